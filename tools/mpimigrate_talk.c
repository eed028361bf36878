/* mpimigrate_talk.c: the requester's side of the request protocol.
 *
 * It binds <job dir>/m<pid>.sock, sends one MOVE (rank-migrate/rmig_xreq.h)
 * to the request socket of the cluster the rank started on, c<rank>.sock
 * (that cluster hosts the rank or knows where it went), or, when that
 * cluster has no socket here (it runs on another host, or has ended), to
 * any other cluster of the job that has one (a MOVE_VIA, --via-checkpoint,
 * the same way with its directory after it): the job forwards the request
 * to the rank through its own channels and the outcome back to that entry
 * cluster. Then it waits: first for QUEUED, which proves the job is alive
 * and took the request, then for the RESULT once the rank moved or refused. Every answer is checked
 * strictly and must carry our nonce; anything else is ignored.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mpimigrate.h"
#include "rmig_xreq.h"

static struct sockaddr_un mm_self; /* our socket, removed on the way out */

static void mm_unlink_self(void)
{
    if (mm_self.sun_path[0] != '\0')
        unlink(mm_self.sun_path);
}

static void mm_on_signal(int sig)
{
    mm_unlink_self();
    signal(sig, SIG_DFL);
    raise(sig);
}

double mm_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int mm_addr(struct sockaddr_un *sa, const char *dir, char kind, unsigned long n)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    return snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%c%lu.sock", dir, kind, n) <
                   (int)sizeof(sa->sun_path)
               ? 0
               : -1;
}

int mm_open(const struct mm_job *job)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || mm_addr(&mm_self, job->dir, 'm', (unsigned long)getpid()) < 0) {
        fprintf(stderr, "mpimigrate: cannot make a socket in %s\n", job->dir);
        return -1;
    }
    unlink(mm_self.sun_path);
    if (bind(fd, (struct sockaddr *)&mm_self, sizeof(mm_self)) < 0) {
        fprintf(stderr, "mpimigrate: cannot bind %s: %s\n", mm_self.sun_path, strerror(errno));
        mm_self.sun_path[0] = '\0';
        close(fd);
        return -1;
    }
    atexit(mm_unlink_self);
    signal(SIGINT, mm_on_signal);
    signal(SIGTERM, mm_on_signal);
    signal(SIGHUP, mm_on_signal);
    return fd;
}

/* Sends the len bytes of a request that starts with rq to cluster c. */
static int mm_send_bytes_to(int fd, const struct mm_job *job, const struct rmig_xreq *rq,
                            size_t len, int c)
{
    struct sockaddr_un to;

    if (mm_addr(&to, job->dir, 'c', (unsigned long)c) < 0)
        return ENAMETOOLONG;
    if (sendto(fd, rq, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
        return 0;
    return errno;
}

int mm_send_to(int fd, const struct mm_job *job, const struct rmig_xreq *rq, int c)
{
    return mm_send_bytes_to(fd, job, rq, sizeof(*rq), c);
}

/* mm_send for a request of len bytes that starts with rq (a MOVE_VIA). */
static int mm_send_bytes(int fd, const struct mm_job *job, const struct rmig_xreq *rq, size_t len)
{
    int err = mm_send_bytes_to(fd, job, rq, len, rq->rank), c;

    for (c = 0; (err == ENOENT || err == ECONNREFUSED) && c < job->nranks + job->spares; c++)
        if (c != rq->rank)
            err = mm_send_bytes_to(fd, job, rq, len, c);
    if (err == 0)
        return MM_EXIT_MOVED;
    if (err == ENOENT || err == ECONNREFUSED)
        fprintf(stderr,
                "mpimigrate: job %ld: no cluster has a request socket on this host (the job is "
                "starting or ending)\n",
                job->id);
    else
        fprintf(stderr, "mpimigrate: job %ld: cannot send to cluster %d: %s\n", job->id, rq->rank,
                strerror(err));
    return MM_EXIT_NOJOB;
}

int mm_send(int fd, const struct mm_job *job, const struct rmig_xreq *rq)
{
    return mm_send_bytes(fd, job, rq, sizeof(*rq));
}

/* Waits until `deadline` for an answer to rq; returns its type, 0 on
 * timeout, -1 when the job ended meanwhile (checked every 200 ms). Answers
 * that are malformed or not ours are dropped. */
static int mm_wait(int fd, const struct mm_job *job, const struct rmig_xreq *rq, double deadline,
                   struct rmig_xreq *ans)
{
    unsigned char buf[sizeof(*ans) + 8];

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        double left = deadline - mm_now();
        ssize_t n;
        int t;

        if (left <= 0)
            return 0;
        if (kill((pid_t)job->id, 0) < 0 && errno == ESRCH)
            return -1;
        t = poll(&p, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1);
        if (t <= 0)
            continue; /* timeout slice, or EINTR */
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        t = rmig_xreq_check(buf, (long)n, job->nranks, job->nranks + job->spares, ans);
        if ((t == RMIG_XREQ_QUEUED || t == RMIG_XREQ_RESULT) && ans->nonce == rq->nonce &&
            ans->rank == rq->rank)
            return t;
    }
}

uint32_t mm_nonce(void)
{
    uint32_t nonce = (uint32_t)getpid() ^ (uint32_t)time(NULL);

    if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
        nonce ^= (uint32_t)(mm_now() * 1e9);
    return nonce;
}

int mm_talk(const struct mm_job *job, int rank, int cluster, double timeout,
            struct rmig_xreq *result)
{
    return mm_talk_via(job, rank, cluster, NULL, timeout, result);
}

int mm_talk_via(const struct mm_job *job, int rank, int cluster, const char *dir, double timeout,
                struct rmig_xreq *result)
{
    struct {
        struct rmig_xreq m;
        char dir[RMIG_XREQ_DIR_MAX];
    } msg;
    struct rmig_xreq ans, *rq = &msg.m;
    double t0 = mm_now();
    size_t len = sizeof(*rq);
    int fd = mm_open(job), ret, t, queued;

    if (fd < 0)
        return MM_EXIT_NOJOB;
    rmig_xreq_fill(rq, dir != NULL ? RMIG_XREQ_MOVE_VIA : RMIG_XREQ_MOVE, (uint32_t)getpid(),
                   mm_nonce(), rank, cluster);
    if (dir == NULL)
        rq->mode = mm_move_mode;
    if (dir != NULL) { /* checked by the caller: absolute, and fits */
        len += strlen(dir) + 1;
        memcpy(msg.dir, dir, strlen(dir) + 1);
    }
    ret = mm_send_bytes(fd, job, rq, len);
    if (ret != MM_EXIT_MOVED)
        return ret;
    t = mm_wait(fd, job, rq, t0 + timeout, &ans);
    queued = t == RMIG_XREQ_QUEUED;
    if (queued)
        t = mm_wait(fd, job, rq, t0 + timeout, &ans);
    if (t < 0) {
        fprintf(stderr, "mpimigrate: job %ld ended before rank %d answered\n", job->id, rank);
        return MM_EXIT_NOJOB;
    }
    if (t == 0) {
        fprintf(stderr,
                "mpimigrate: job %ld: no outcome within %.0f s; the request stays %s: rank %d "
                "moves when it next waits inside an MPI call\n",
                job->id, timeout, queued ? "pending" : "queued, unread", rank);
        return MM_EXIT_TIMEOUT;
    }
    *result = ans;
    return MM_EXIT_MOVED;
}
