/* test_ua_e2e.c: end-to-end test of the uarea layer, with no MPI: a rank that
 * really moves between two processes.
 *
 * The program registers boot hooks like the upper layers do. Its main is the
 * rank: it checks that it runs on the container stack with argv/envp copies
 * and container malloc, does a suspend/resume round trip in place, then asks
 * for a migration (through the MPI root slot of the header). The kernel side
 * (spare_loop) forks and re-executes the program as a spare, streams it the
 * touched ranges over a pipe with checksums, releases its own copy and waits.
 * The spare restores the ranges and resumes the rank, which checks that its
 * stack, heap and globals came along and returns 42 from main in the new
 * process. Compiled with -fstack-protector-all: main's canary is checked in a
 * process other than the one that pushed it.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ua.h"

#define REQ_ROUNDTRIP ((void *)1)
#define REQ_MIGRATE   ((void *)2)

static int g_counter = 100;    /* .data: must move */
static char g_pattern[200000]; /* .bss: must move */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "e2e: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int in_region(const void *p)
{
    return (uintptr_t)p - UA_REGION_BASE < UA_REGION_SIZE;
}

static int is_spare(void)
{
    const char *r = getenv("UA_E2E_FDS");
    return r != NULL;
}

/* ---- kernel side: moving the container through a pipe -------------------- */

struct record {
    uint64_t addr, len, sum;
};

static int write_all(int fd, const void *p, size_t n)
{
    for (const char *c = p; n;) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    for (char *c = p; n;) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= r;
    }
    return 0;
}

/* The highest page sent inside the container region: a heap page. */
static uintptr_t e2e_heap_page;

/* 1 when the page at addr is in memory, 0 when not, -1 on error. */
static int resident(uintptr_t addr)
{
    unsigned char vec = 0;

    return mincore((void *)addr, 4096, &vec) == 0 ? (vec & 1) : -1;
}

static int send_range(void *addr, size_t len, void *arg)
{
    int fd = *(int *)arg;
    uintptr_t last = ((uintptr_t)addr + len - 1) & ~(uintptr_t)4095;

    if (in_region(addr) && last > e2e_heap_page)
        e2e_heap_page = last;
    struct record r = {(uintptr_t)addr, len, ua_checksum_range(addr, len)};
    return write_all(fd, &r, sizeof(r)) || write_all(fd, addr, len) ? -EIO : 0;
}

static int migrate_out(void)
{
    int data[2], ack[2];
    char fds[64], ok = 0;
    if (pipe(data) || pipe(ack))
        return 1;
    pid_t child = fork();
    if (child == 0) {
        snprintf(fds, sizeof(fds), "%d,%d", data[0], ack[1]);
        setenv("UA_E2E_FDS", fds, 1);
        execl("/proc/self/exe", "test_ua_e2e", "spare-role", (char *)NULL);
        _exit(127);
    }
    close(data[0]);
    close(ack[1]);
    uint64_t fp = ua_layout_fingerprint();
    struct record end = {0, 0, 0};
    int rc = write_all(data[1], &fp, sizeof(fp));
    rc = rc ? rc : ua_touched_ranges(send_range, &data[1]);
    rc = rc ? rc : write_all(data[1], &end, sizeof(end));
    close(data[1]);
    if (rc || read_all(ack[0], &ok, 1) || ok != 'Y') {
        fprintf(stderr, "e2e: migration failed (rc %d, ack %c)\n", rc, ok ? ok : '-');
        return 1;
    }
    /* As a post-copy source (ua_release_hold): the heap stays in memory
     * after the release even with NMPI_MIGRATE_KEEP_PAGES=0, until the
     * hold ends. */
    setenv("NMPI_MIGRATE_KEEP_PAGES", "0", 1);
    ua_release_hold();
    ua_release_container();
    if (ua_container_present()) {
        fprintf(stderr, "e2e: container still present after release\n");
        return 1;
    }
    CHECK(e2e_heap_page != 0 && resident(e2e_heap_page) == 1);
    ua_release_unhold();
    CHECK(resident(e2e_heap_page) == 0);
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int restore_all(int fd)
{
    struct record r;
    while (!read_all(fd, &r, sizeof(r)) && r.addr) {
        void *buf = malloc(r.len); /* kernel context: libc memory */
        if (!buf || in_region(buf) || read_all(fd, buf, r.len))
            return -1;
        int rc = ua_restore_range((void *)(uintptr_t)r.addr, buf, r.len);
        free(buf);
        if (rc || ua_checksum_range((void *)(uintptr_t)r.addr, r.len) != r.sum)
            return -1;
    }
    return r.addr == 0 ? 0 : -1;
}

static int migrate_in(void)
{
    int rfd, wfd;
    uint64_t fp;
    if (sscanf(getenv("UA_E2E_FDS"), "%d,%d", &rfd, &wfd) != 2 || ua_container_present())
        return 1;
    int bad = read_all(rfd, &fp, sizeof(fp)) || fp != ua_layout_fingerprint();
    if (bad)
        fprintf(stderr, "e2e: layout fingerprints differ\n");
    bad = bad || restore_all(rfd) || !ua_rank_suspended();
    if (write_all(wfd, bad ? "N" : "Y", 1) || bad)
        return 1;
    ua_rank_resume(); /* main returns here: rank_exit, exit */
    fprintf(stderr, "e2e: resume returned\n");
    return 1;
}

static int e2e_spare_loop(void)
{
    int local;
    if (is_spare())
        return migrate_in();
    while (ua_rank_suspended()) {
        if (ua_rank_active() || in_region(&local))
            return 1;
        if (*ua_root(0) == REQ_MIGRATE)
            return migrate_out();
        ua_rank_resume(); /* the round trip */
    }
    return 1;
}

static int e2e_cluster_boot(void)
{
    return is_spare() ? 0 : 1;
}

static int e2e_rank_exit(int status)
{
    printf("e2e: main returned %d in process %d\n", status, (int)getpid());
    return status == 42 ? 0 : 1;
}

__attribute__((constructor)) static void e2e_register(void)
{
    static const struct ua_boot_hooks hooks = {e2e_cluster_boot, e2e_spare_loop, e2e_rank_exit};
    ua_set_boot_hooks(&hooks);
}

/* ---- the rank ------------------------------------------------------------- */

static int check_args(int argc, char **argv, char **envp)
{
    CHECK(argc >= 1 && argv[argc] == NULL);
    CHECK(in_region(argv) && in_region(envp));
    for (int i = 0; i < argc; i++)
        CHECK(in_region(argv[i]));
    int n = 0;
    for (; envp[n]; n++) {
        CHECK(in_region(envp[n]));
        CHECK(environ[n] && strcmp(envp[n], environ[n]) == 0);
    }
    CHECK(environ[n] == NULL && n > 0);
    return 0;
}

static int check_pattern(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        CHECK(p[i] == (unsigned char)(i * seed + 1));
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    char name[PATH_MAX]; /* argv[0], whole: a deep build tree gives a long path */
    int local = 7;
    pid_t first = getpid();
    CHECK(ua_rank_active() && ua_container_present());
    CHECK(in_region(&local) && in_region(name));
    CHECK(check_args(argc, argv, envp) == 0);
    CHECK(snprintf(name, sizeof(name), "%s", argv[0]) < (int)sizeof(name));

    unsigned char *small = malloc(1000), *big = malloc(3 << 20);
    CHECK(in_region(small) && in_region(big));
    for (size_t i = 0; i < 1000; i++)
        small[i] = (unsigned char)(i * 3 + 1);
    for (size_t i = 0; i < (3 << 20); i += 4096)
        big[i] = (unsigned char)(i * 5 + 1);
    for (size_t i = 0; i < sizeof(g_pattern); i++)
        g_pattern[i] = (char)(i * 7 + 1);
    g_counter++;
    printf("e2e: rank starts in process %d\n", (int)first);

    *ua_root(0) = REQ_ROUNDTRIP;
    ua_rank_suspend();
    CHECK(getpid() == first && ua_rank_active());

    *ua_root(0) = REQ_MIGRATE;
    ua_rank_suspend();
    CHECK(ua_rank_active() && local == 7);
    CHECK(getpid() != first); /* really another process now */
    CHECK(strcmp(name, argv[0]) == 0);
    CHECK(check_pattern(small, 1000, 3) == 0);
    for (size_t i = 0; i < (3 << 20); i += 4096)
        CHECK(big[i] == (unsigned char)(i * 5 + 1));
    CHECK(check_pattern((unsigned char *)g_pattern, sizeof(g_pattern), 7) == 0);
    CHECK(g_counter == 101);
    free(small);
    free(big);
    char *after = malloc(100);
    CHECK(in_region(after));
    free(after);
    printf("e2e: rank moved from process %d to %d\n", (int)first, (int)getpid());
    return 42;
}
