/* mpimigrate_place.c: where every cluster of a job runs, and what (--where).
 *
 * One PLACEMENT (rank-migrate/rmig_xreq.h) goes to a cluster with a socket
 * on this host, the entry; the entry asks the others over the job's own
 * channel and answers with one TABLE datagram, checked strictly
 * (rmig_xreq_table_check) and matched on our nonce. Clusters that did not
 * answer within the entry's wait are listed "no answer": the entry waits
 * MM_PLACE_WAIT_MS at most. An entry that sends nothing back within that
 * and MM_PLACE_MARGIN (a rank that stays out of MPI reads no socket) is
 * passed over for the next cluster with a socket here, until the timeout.
 * An entry busy with another query answers -EBUSY: asked again 100 ms
 * later.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mpimigrate.h"
#include "rmig_xreq.h"

#define MM_PLACE_WAIT_MS 2000 /* the entry's wait for the other clusters */
#define MM_PLACE_MARGIN  1.5  /* s: after that, the next entry is asked */

/* Waits until deadline for our TABLE; returns RMIG_XREQ_TABLE, 0 on
 * timeout, -1 when the job ended. Anything else is dropped. */
static int mm_place_wait(int fd, const struct mm_job *job, uint32_t nonce, double deadline,
                         struct rmig_xreq_placement *pl)
{
    static unsigned char buf[RMIG_XREQ_TABLE_MAX + 8];
    int n = job->nranks + job->spares;

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        double left = deadline - mm_now();
        ssize_t got;

        if (left <= 0)
            return 0;
        if (kill((pid_t)job->id, 0) < 0 && errno == ESRCH)
            return -1;
        if (poll(&p, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1) <= 0)
            continue;
        got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (rmig_xreq_table_check(buf, (long)got, job->nranks, n, pl) == RMIG_XREQ_TABLE &&
            pl->head.nonce == nonce && pl->head.requester == (uint32_t)getpid())
            return RMIG_XREQ_TABLE;
    }
}

/* Sends a PLACEMENT to the next cluster from *next on with a socket here
 * and waits for its TABLE up to its wait and a margin (or the deadline).
 * Returns RMIG_XREQ_TABLE, 0 (no answer), -1 (the job ended), or -2 when
 * no cluster is left to ask. */
static int mm_place_ask(int fd, const struct mm_job *job, int *next, double deadline,
                        struct rmig_xreq_placement *pl)
{
    double timeout = deadline - mm_now(), until;
    struct rmig_xreq rq;
    int err = ENOENT;

    rmig_xreq_fill(&rq, RMIG_XREQ_PLACEMENT, (uint32_t)getpid(), mm_nonce(), 0, 0);
    rq.wait_ms =
        timeout * 1000 / 2 < MM_PLACE_WAIT_MS ? (int)(timeout * 1000 / 2) + 1 : MM_PLACE_WAIT_MS;
    while (err != 0 && *next < job->nranks + job->spares)
        err = mm_send_to(fd, job, &rq, (*next)++);
    if (err != 0)
        return -2;
    until = mm_now() + rq.wait_ms / 1e3 + MM_PLACE_MARGIN;
    return mm_place_wait(fd, job, rq.nonce, until < deadline ? until : deadline, pl);
}

int mm_placement(const struct mm_job *job, int fd, double timeout, struct rmig_xreq_placement *pl)
{
    double deadline = mm_now() + timeout;
    int next = 0;

    for (;;) {
        int start = next, t = mm_place_ask(fd, job, &next, deadline, pl);

        if (t == -2 && start > 0 && mm_now() < deadline) {
            next = 0; /* every entry tried: round again */
            continue;
        }
        if (t == -2) {
            fprintf(stderr, "mpimigrate: job %ld: no cluster has a request socket on this host\n",
                    job->id);
            return MM_EXIT_NOJOB;
        }
        if (t < 0) {
            fprintf(stderr, "mpimigrate: job %ld ended before it said where it runs\n", job->id);
            return MM_EXIT_NOJOB;
        }
        if (t == 0 && mm_now() >= deadline) {
            fprintf(stderr, "mpimigrate: job %ld: no placement within %.0f s\n", job->id, timeout);
            return MM_EXIT_TIMEOUT;
        }
        if (t == 0)
            continue; /* that entry did not answer: the next one */
        if (pl->head.status == 0)
            return MM_EXIT_MOVED;
        if (pl->head.status == -E2BIG) {
            fprintf(stderr, "mpimigrate: job %ld runs on more than %d hosts: no placement\n",
                    job->id, RMIG_XREQ_HOSTS_MAX);
            return MM_EXIT_NOJOB;
        }
        next--;         /* -EBUSY: the entry gathers another query; */
        usleep(100000); /* ask it again shortly */
    }
}

const char *mm_place_what(const struct rmig_xreq_placement *pl, int c, char *buf, size_t len)
{
    switch (pl->place[c].state) {
    case RMIG_PLACE_RANK:
        snprintf(buf, len, "rank %d", pl->place[c].rank);
        return buf;
    case RMIG_PLACE_IDLE:
        return "idle";
    case RMIG_PLACE_BUSY:
        return "idle, receiving a rank";
    case RMIG_PLACE_LOST:
        return "lost (its process is gone)";
    default:
        return "no answer";
    }
}

int mm_placement_once(const struct mm_job *job, double timeout, struct rmig_xreq_placement *pl)
{
    int fd = mm_open(job), ret;

    if (fd < 0)
        return MM_EXIT_NOJOB;
    ret = mm_placement(job, fd, timeout, pl);
    close(fd);
    return ret;
}

int mm_where(const struct mm_job *job, double timeout)
{
    static struct rmig_xreq_placement pl;
    char what[32];
    int ret = mm_placement_once(job, timeout, &pl), c;

    if (ret != MM_EXIT_MOVED)
        return ret;
    printf("job %ld: %d ranks, %d clusters on %d host%s (asked through cluster %d)\n", job->id,
           job->nranks, pl.nclusters, pl.nhosts, pl.nhosts == 1 ? "" : "s", pl.head.cluster);
    printf("%7s  %-16s  %s\n", "CLUSTER", "HOST", "RUNS");
    for (c = 0; c < pl.nclusters; c++)
        printf("%7d  %-16s  %s\n", c, pl.host[pl.place[c].host],
               mm_place_what(&pl, c, what, sizeof(what)));
    return MM_EXIT_MOVED;
}
