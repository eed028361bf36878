/* rmig_dirty_uffd.c: the userfaultfd calls both write-protect backends share.
 *
 * Opening asks the kernel for the features a backend needs in the API
 * handshake; when it refuses, a second descriptor with no features tells
 * which of them this kernel lacks, so the probe can say so. Ranges are
 * registered in write-protect mode and then protected; stopping lifts the
 * protection before unregistering, so no page keeps a stale uffd-wp bit
 * that would cost the rank a fault after the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rmig_dirty_impl.h"

/* The features the kernel offers (a throwaway descriptor), or 0. */
static uint64_t rmig_uffd_features(int flags)
{
    struct uffdio_api api = {.api = UFFD_API};
    int fd = (int)syscall(SYS_userfaultfd, flags);

    if (fd < 0)
        return 0;
    if (ioctl(fd, UFFDIO_API, &api) < 0)
        api.features = 0;
    close(fd);
    return api.features;
}

int rmig_uffd_open(uint64_t features, int user_mode_only, char *why, size_t why_len)
{
    int flags = O_CLOEXEC | O_NONBLOCK | (user_mode_only ? UFFD_USER_MODE_ONLY : 0);
    struct uffdio_api api = {.api = UFFD_API, .features = features};
    int fd = (int)syscall(SYS_userfaultfd, flags);

    if (fd < 0) {
        int e = errno;

        snprintf(why, why_len, "userfaultfd(%s): %s",
                 user_mode_only ? "UFFD_USER_MODE_ONLY" : "kernel faults too", strerror(e));
        return e == EPERM ? -EPERM : -ENOTSUP;
    }
    if (ioctl(fd, UFFDIO_API, &api) < 0) {
        uint64_t missing = features & ~rmig_uffd_features(flags);

        close(fd);
        snprintf(why, why_len, "the kernel lacks userfaultfd features 0x%llx%s%s",
                 (unsigned long long)missing,
                 missing & UFFD_FEATURE_WP_ASYNC ? " (WP_ASYNC, Linux 6.7)" : "",
                 missing & UFFD_FEATURE_WP_UNPOPULATED ? " (WP_UNPOPULATED, Linux 6.4)" : "");
        return -ENOTSUP;
    }
    return fd;
}

int rmig_uffd_register(int uffd, const struct rmig_dirty_range *r)
{
    struct uffdio_register reg = {
        .range = {.start = r->addr, .len = r->len},
        .mode = UFFDIO_REGISTER_MODE_WP,
    };

    if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
        return -errno;
    return 0;
}

int rmig_uffd_protect(int uffd, uintptr_t addr, size_t len, int on)
{
    struct uffdio_writeprotect wp = {
        .range = {.start = addr, .len = len},
        .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
    };

    while (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) < 0)
        if (errno != EAGAIN) /* EAGAIN: the mm was changing, try again */
            return -errno;
    return 0;
}

void rmig_uffd_release(struct rmig_dirty *t)
{
    for (int i = 0; t->uffd >= 0 && i < t->n; i++) {
        struct uffdio_range range = {.start = t->r[i].addr, .len = t->r[i].len};

        rmig_uffd_protect(t->uffd, t->r[i].addr, t->r[i].len, 0);
        ioctl(t->uffd, UFFDIO_UNREGISTER, &range);
    }
    if (t->uffd >= 0)
        close(t->uffd);
    if (t->pagemap >= 0)
        close(t->pagemap);
    t->uffd = t->pagemap = -1;
}

/* Registers and protects range r of t. Returns 0 or -errno. */
int rmig_uffd_arm(struct rmig_dirty *t, const struct rmig_dirty_range *r)
{
    int ret = rmig_uffd_register(t->uffd, r);

    return ret ? ret : rmig_uffd_protect(t->uffd, r->addr, r->len, 1);
}
