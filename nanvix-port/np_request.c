/* np_request.c: the cluster's request socket, for messages from outside the job.
 *
 * A person or tool outside a running job (the mpimigrate command) reaches a
 * cluster through a unix-domain datagram socket in the job directory that
 * the launcher front end creates and names in NMPI_JOB_DIR: cluster N binds
 * $NMPI_JOB_DIR/cN.sock; a requester binds $NMPI_JOB_DIR/m<pid>.sock and is
 * answered there. The directory is private to the user (mode 0700), which is
 * the access control. This file only moves bytes; what they mean is the
 * business of the layer above, which must validate every byte it reads.
 *
 * Reading is on the progress path of a rank, so it must stay cheap: a read
 * attempt makes a syscall at most once per millisecond (monotonic clock, a
 * vDSO call) and is otherwise answered -EAGAIN at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base.h"
#include "np_internal.h"

#define NP_REQUEST_INTERVAL 1e-3 /* seconds between two socket reads */

static int np_req_fd = -1;
static double np_req_last; /* when the socket was last read */
static struct sockaddr_un np_req_addr;

/* Fills *sa with $NMPI_JOB_DIR/<prefix><n>.sock. Returns 0, -ENOENT without
 * a job directory, -ENAMETOOLONG when the path does not fit. */
static int np_request_path(struct sockaddr_un *sa, const char *prefix, unsigned long n)
{
    const char *dir = base_setting("NMPI_JOB_DIR");
    int len;

    if (*dir == '\0')
        return -ENOENT;
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    len = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s%lu.sock", dir, prefix, n);
    return len < 0 || (size_t)len >= sizeof(sa->sun_path) ? -ENAMETOOLONG : 0;
}

int kjob_request_open(void)
{
    int me = knode_get_num(), fd, ret;

    if (me < 0)
        return -EINVAL;
    if (np_req_fd >= 0)
        return 0;
    ret = np_request_path(&np_req_addr, "c", (unsigned long)me);
    if (ret < 0)
        return ret;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(np_req_addr.sun_path); /* a stale socket of a dead cluster */
    if (bind(fd, (struct sockaddr *)&np_req_addr, sizeof(np_req_addr)) < 0) {
        ret = -errno;
        close(fd);
        return ret;
    }
    np_req_fd = fd;
    return 0;
}

ssize_t kjob_request_tryread(void *buf, size_t size)
{
    double now;
    ssize_t n;

    if (np_req_fd < 0)
        return -EAGAIN;
    now = knode_wtime();
    if (now - np_req_last < NP_REQUEST_INTERVAL)
        return -EAGAIN;
    np_req_last = now;
    n = recv(np_req_fd, buf, size, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    if ((size_t)n > size)
        return -EMSGSIZE; /* the datagram was longer than buf: dropped */
    np_req_last = 0.0;    /* one came: look again at the next call */
    return n;
}

int kjob_request_reply(unsigned long requester, const void *buf, size_t len)
{
    struct sockaddr_un to;
    int fd = np_req_fd, ret;
    ssize_t n;

    if (requester == 0 || buf == NULL)
        return -EINVAL;
    ret = np_request_path(&to, "m", requester);
    if (ret < 0)
        return ret;
    if (fd < 0)
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    n = sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof(to));
    ret = n < 0 ? -errno : 0;
    if (fd != np_req_fd)
        close(fd);
    return ret;
}

void kjob_request_close(void)
{
    if (np_req_fd < 0)
        return;
    close(np_req_fd);
    unlink(np_req_addr.sun_path);
    np_req_fd = -1;
}
