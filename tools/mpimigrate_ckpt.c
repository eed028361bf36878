/* mpimigrate_ckpt.c: mpimigrate --checkpoint DIR, a checkpoint of a running job.
 *
 * It sends one CHECKPOINT (rank-migrate/rmig_xreq.h) carrying DIR to the
 * request socket of cluster 0, which numbers the job's checkpoints (one
 * hop fewer), or else of any cluster of the job with a socket on this
 * host, and waits: first for QUEUED (the job is alive and took the
 * request), then for the RESULT, once rank 0 wrote the MANIFEST (the
 * checkpoint is complete: `mpiexec --restart DIR` restarts it) or the
 * checkpoint failed. Both answers are checked strictly and must carry our
 * nonce. DIR must be absolute, since the job's clusters do not share our
 * working directory, and short enough for the request.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mpimigrate.h"
#include "rmig_xreq.h"

/* Checks DIR and copies it into the request's field. Returns MM_EXIT_MOVED
 * or MM_EXIT_USAGE (printed). */
static int mm_ckpt_dir(const char *dir, char out[RMIG_XREQ_CKPT_DIR_MAX])
{
    if (dir[0] != '/') {
        fprintf(stderr, "mpimigrate: --checkpoint wants an absolute directory, got '%s'\n", dir);
        return MM_EXIT_USAGE;
    }
    if (strlen(dir) >= RMIG_XREQ_CKPT_DIR_MAX) {
        fprintf(stderr, "mpimigrate: --checkpoint directory is too long (%zu bytes, at most %d)\n",
                strlen(dir), RMIG_XREQ_CKPT_DIR_MAX - 1);
        return MM_EXIT_USAGE;
    }
    memset(out, 0, RMIG_XREQ_CKPT_DIR_MAX);
    strcpy(out, dir);
    if (!rmig_xreq_dir_ok(out)) {
        fprintf(stderr, "mpimigrate: --checkpoint directory has unprintable characters\n");
        return MM_EXIT_USAGE;
    }
    return MM_EXIT_MOVED;
}

/* Sends rq to cluster c's socket; 0 or the errno of sendto. */
static int mm_ckpt_send_to(int fd, const struct mm_job *job, const struct rmig_xreq_ckpt *rq, int c)
{
    struct sockaddr_un to;

    memset(&to, 0, sizeof(to));
    to.sun_family = AF_UNIX;
    if (snprintf(to.sun_path, sizeof(to.sun_path), "%s/c%d.sock", job->dir, c) >=
        (int)sizeof(to.sun_path))
        return ENAMETOOLONG;
    if (sendto(fd, rq, sizeof(*rq), 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)sizeof(*rq))
        return 0;
    return errno;
}

/* Cluster 0 first, then any cluster with a socket here. */
static int mm_ckpt_send(int fd, const struct mm_job *job, const struct rmig_xreq_ckpt *rq)
{
    int err = mm_ckpt_send_to(fd, job, rq, 0);

    for (int c = 1; (err == ENOENT || err == ECONNREFUSED) && c < job->nranks + job->spares; c++)
        err = mm_ckpt_send_to(fd, job, rq, c);
    if (err == 0)
        return MM_EXIT_MOVED;
    fprintf(stderr, "mpimigrate: job %ld: %s\n", job->id,
            err == ENOENT || err == ECONNREFUSED
                ? "no cluster has a request socket on this host (the job is starting or ending)"
                : strerror(err));
    return MM_EXIT_NOJOB;
}

/* Waits until deadline for QUEUED (returns 1) or the RESULT (2, in *res);
 * 0 on timeout, -1 when the job ended meanwhile. */
static int mm_ckpt_wait(int fd, const struct mm_job *job, uint32_t nonce, double deadline,
                        struct rmig_xreq_ckpt *res)
{
    int nranks = job->nranks, nclusters = job->nranks + job->spares;
    unsigned char buf[sizeof(*res) + 8];

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        double left = deadline - mm_now();
        struct rmig_xreq q;
        ssize_t n;

        if (left <= 0)
            return 0;
        if (kill((pid_t)job->id, 0) < 0 && errno == ESRCH)
            return -1;
        if (poll(&p, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1) <= 0)
            continue;
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (rmig_xreq_check(buf, (long)n, nranks, nclusters, &q) == RMIG_XREQ_QUEUED &&
            q.nonce == nonce && q.rank == 0)
            return 1;
        if (rmig_xreq_ckpt_check(buf, (long)n, nranks, nclusters, res) == RMIG_XREQ_RESULT &&
            res->m.nonce == nonce)
            return 2;
    }
}

/* Why the job could not take the checkpoint. */
static const char *mm_ckpt_reason(int status, char *buf, size_t len)
{
    switch (status) {
    case -EBUSY:
        return "another checkpoint of this job is under way";
    case -ECANCELED:
        return "the job is ending (ranks are in MPI_Finalize)";
    case -EUSERS:
        return "a rank runs threads it started, which a checkpoint cannot hold";
    case -EHOSTDOWN:
        return "cluster 0, which coordinates checkpoints, cannot be reached";
    default:
        snprintf(buf, len, "%s", strerror(-status));
        return buf;
    }
}

static int mm_ckpt_report(const struct mm_job *job, const char *dir,
                          const struct rmig_xreq_ckpt *res, double seconds)
{
    char why[128];

    if (res->m.status == 0) {
        printf("checkpoint %d of job %ld complete: %s, %d ranks, %llu bytes, %.3f s\n", res->number,
               job->id, dir, res->nranks, (unsigned long long)res->bytes, seconds);
        return MM_EXIT_MOVED;
    }
    fprintf(stderr, "mpimigrate: job %ld could not checkpoint into %s: %s (the job goes on)\n",
            job->id, dir, mm_ckpt_reason(res->m.status, why, sizeof(why)));
    return MM_EXIT_REFUSED;
}

int mm_checkpoint(const struct mm_job *job, const char *dir, double timeout)
{
    static struct rmig_xreq_ckpt rq, res;
    double t0 = mm_now();
    int fd, ret, t;

    memset(&rq, 0, sizeof(rq));
    ret = mm_ckpt_dir(dir, rq.dir);
    if (ret != MM_EXIT_MOVED)
        return ret;
    fd = mm_open(job);
    if (fd < 0)
        return MM_EXIT_NOJOB;
    rmig_xreq_fill(&rq.m, RMIG_XREQ_CHECKPOINT, (uint32_t)getpid(), mm_nonce(), 0, 0);
    ret = mm_ckpt_send(fd, job, &rq);
    if (ret != MM_EXIT_MOVED)
        return ret;
    t = mm_ckpt_wait(fd, job, rq.m.nonce, t0 + timeout, &res);
    if (t == 1)
        t = mm_ckpt_wait(fd, job, rq.m.nonce, t0 + timeout, &res);
    if (t < 0) {
        fprintf(stderr, "mpimigrate: job %ld ended before its checkpoint completed\n", job->id);
        return MM_EXIT_NOJOB;
    }
    if (t == 0) {
        fprintf(stderr,
                "mpimigrate: job %ld: no outcome of the checkpoint within %.0f s; every rank "
                "takes part when it next waits inside MPI (or at a preemption tick)\n",
                job->id, timeout);
        return MM_EXIT_TIMEOUT;
    }
    return mm_ckpt_report(job, dir, &res, mm_now() - t0);
}
