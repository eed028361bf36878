/* mpimigrate.c: the mpimigrate command: move a rank of a running job.
 *
 *   mpimigrate [--job ID] [--timeout S] RANK CLUSTER    CLUSTER: a number or "any"
 *   mpimigrate --list
 *   mpimigrate [--job ID] [--timeout S] --where      (or --job ID --list)
 *   mpimigrate [--job ID] [--timeout S] [--serial] --evacuate HOST
 *   mpimigrate [--job ID] [--timeout S] --estimate RANK CLUSTER
 *   mpimigrate [--job ID] [--timeout S] --checkpoint DIR
 *   mpimigrate [--job ID] [--timeout S] --via-checkpoint DIR RANK CLUSTER
 *
 * It finds the job through the job directories tools/mpiexec creates (only
 * jobs whose launcher process still runs count), checks RANK and CLUSTER
 * against the job's shape, sends the request and prints the outcome the rank
 * reports: moved (from, to, downtime) or refused (why). Exit statuses are in
 * mpimigrate.h and the usage text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpimigrate.h"
#include "rmig_xreq.h"

static void mm_usage(FILE *f)
{
    fprintf(f, "Usage: mpimigrate [--job ID] [--timeout S] [--mode M] RANK CLUSTER\n"
               "       mpimigrate --list\n"
               "       mpimigrate [--job ID] [--timeout S] --where   (or: --job ID --list)\n"
               "       mpimigrate [--job ID] [--timeout S] [--mode M] [--serial] --evacuate HOST\n"
               "       mpimigrate [--job ID] [--timeout S] --estimate RANK CLUSTER\n"
               "       mpimigrate [--job ID] [--timeout S] --checkpoint DIR\n"
               "       mpimigrate [--job ID] [--timeout S] --via-checkpoint DIR RANK CLUSTER\n\n"
               "Asks a running nanvix-mpi job (started by mpiexec) to move rank RANK to\n"
               "cluster CLUSTER (a spare: clusters are 0..ranks+spares-1; 'any': any idle\n"
               "cluster) and waits up to S seconds (default 60) for the outcome. The rank\n"
               "moves when it next waits inside an MPI call. --job may be left out when\n"
               "exactly one job of yours runs; --list shows them.\n\n"
               "--mode M sends the container as M says: 'stop' (the rank frozen while all\n"
               "of it goes), 'precopy' (in rounds while the rank goes on computing, then\n"
               "a short stop-and-copy of what it wrote meanwhile), 'postcopy' (resumed on\n"
               "the destination at once, its heap pulled after), 'auto' (stop-and-copy\n"
               "when the predicted pause is short, else pre-copy); default: the job's\n"
               "NMPI_MIGRATION_MODE. With --evacuate: every move.\n\n"
               "--where (or --list with --job) prints one line per cluster: its number,\n"
               "its host and what it runs now: 'rank R', 'idle', 'idle, receiving a rank',\n"
               "'no answer' (it did not answer within 2 s) or 'lost'.\n\n"
               "--evacuate HOST moves every rank that runs on HOST to idle clusters of\n"
               "the other hosts (the host with the fewest ranks first), all at once (one\n"
               "after the other with --serial), and prints one line per rank: moved (with\n"
               "its downtime) or refused (why; a refused move is asked once more on\n"
               "another idle cluster). With fewer idle clusters elsewhere than ranks on\n"
               "HOST, nothing moves.\n\n"
               "--estimate RANK CLUSTER predicts what moving RANK to CLUSTER ('any': any\n"
               "idle cluster, the worst path) would cost now: the bytes it would send,\n"
               "the path (same host or another), the downtime and total time from the\n"
               "migration cost model (NMPI_MIGRATION_MODEL, written by make\n"
               "bench-migration; built-in figures without one). Nothing moves.\n\n"
               "--via-checkpoint DIR moves RANK to CLUSTER through a checkpoint image file\n"
               "in DIR (written by the rank's cluster, read by CLUSTER, then removed)\n"
               "instead of streaming it: DIR must be reachable under the same path by\n"
               "both (same host or a shared file system). With --estimate: the predicted\n"
               "cost of that move (path checkpoint; nothing moves).\n\n"
               "--checkpoint DIR (an absolute path) asks the job for a coordinated\n"
               "checkpoint into DIR, as MPIX_Checkpoint writes it (mpiexec --restart DIR\n"
               "restarts it); every rank takes part at its next MPI wait or preemption\n"
               "tick. It prints one line (number, DIR, ranks, bytes, seconds) once the\n"
               "checkpoint is complete; exit 3 when the job could not take it (DIR not\n"
               "writable, another checkpoint under way, the job ending); the job goes on.\n\n"
               "Exit status: 0 moved (--evacuate: HOST runs no rank now; --checkpoint:\n"
               "complete), 1 bad usage/rank/cluster/host/DIR, 2 no such job (or it is gone\n"
               "or not answering), 3 the job refused the move (or the checkpoint), 4 no\n"
               "outcome in time, 5 --evacuate: too few\n"
               "idle clusters on other hosts (nothing moved), 6 --evacuate: some ranks\n"
               "still run on HOST (listed).\n");
}

static int mm_list(const char *run_dir)
{
    struct mm_job jobs[MM_MAX_JOBS];
    int n = mm_job_scan(run_dir, jobs, MM_MAX_JOBS), i;

    if (n == 0) {
        printf("no running nanvix-mpi job (looked in %s)\n", run_dir);
        return MM_EXIT_MOVED;
    }
    printf("%-8s %5s %6s  %-19s  %s\n", "JOB", "RANKS", "SPARES", "STARTED", "PROGRAM");
    for (i = 0; i < n && i < MM_MAX_JOBS; i++) {
        time_t t = (time_t)jobs[i].started;
        char when[32];

        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
        printf("%-8ld %5d %6d  %-19s  %s\n", jobs[i].id, jobs[i].nranks, jobs[i].spares, when,
               jobs[i].program);
    }
    return MM_EXIT_MOVED;
}

/* Finds the job: the given id, or the only running one. */
static int mm_pick_job(const char *run_dir, const char *id_arg, struct mm_job *job)
{
    struct mm_job jobs[MM_MAX_JOBS];
    int n;

    if (id_arg != NULL) {
        long id;
        int ret;

        if (mm_parse_long(id_arg, 1, 0x7fffffff, &id) < 0) {
            fprintf(stderr, "mpimigrate: bad job ID '%s' (see mpimigrate --list)\n", id_arg);
            return MM_EXIT_USAGE;
        }
        ret = mm_job_load(run_dir, id, job);
        if (ret == 0)
            return MM_EXIT_MOVED;
        fprintf(stderr, "mpimigrate: job %ld %s\n", id,
                ret == -ESRCH    ? "has ended (its processes are gone)"
                : ret == -EPROTO ? "has a damaged job file"
                                 : "does not exist (see mpimigrate --list)");
        return MM_EXIT_NOJOB;
    }
    n = mm_job_scan(run_dir, jobs, MM_MAX_JOBS);
    if (n == 1) {
        *job = jobs[0];
        return MM_EXIT_MOVED;
    }
    if (n == 0) {
        fprintf(stderr, "mpimigrate: no running nanvix-mpi job found (in %s)\n", run_dir);
        return MM_EXIT_NOJOB;
    }
    fprintf(stderr, "mpimigrate: %d jobs are running; choose one with --job ID:\n", n);
    mm_list(run_dir);
    return MM_EXIT_USAGE;
}

/* Checks RANK and CLUSTER against the job; cluster "any" is -1. */
static int mm_check_target(const struct mm_job *job, const char *r, const char *c, int *rank,
                           int *cluster)
{
    int nclusters = job->nranks + job->spares;
    long v;

    if (mm_parse_long(r, 0, job->nranks - 1, &v) < 0) {
        fprintf(stderr, "mpimigrate: rank '%s' is out of range: job %ld has ranks 0..%d\n", r,
                job->id, job->nranks - 1);
        return MM_EXIT_USAGE;
    }
    *rank = (int)v;
    if (strcmp(c, "any") == 0) {
        *cluster = -1;
        return MM_EXIT_MOVED;
    }
    if (mm_parse_long(c, 0, nclusters - 1, &v) < 0) {
        fprintf(stderr, "mpimigrate: cluster '%s' does not exist in job %ld (clusters 0..%d)\n", c,
                job->id, nclusters - 1);
        return MM_EXIT_USAGE;
    }
    *cluster = (int)v;
    return MM_EXIT_MOVED;
}

/* Why the job refused, from the rank's status. */
const char *mm_reason(int status)
{
    switch (status) {
    case -EALREADY:
        return "the rank is already on that cluster";
    case -EBUSY:
        return "the cluster is busy: it hosts a rank (not a spare) or is receiving one";
    case -ENOSPC:
        return "no idle cluster is left";
    case -EXDEV:
        return "the cluster's memory layout differs from the rank's";
    case -EUSERS:
        return "the rank runs threads it started, which cannot move with it";
    case -EINVAL:
        return "no such cluster";
    case -ETIMEDOUT:
        return "the destination did not answer in time";
    case -ESRCH:
        return "no cluster knows where the rank is";
    case -ECANCELED:
        return "a newer request for this rank replaced this one";
    case -ENOTCONN:
        return "the rank is not inside MPI (before MPI_Init or after MPI_Finalize)";
    default:
        return mm_via_reason(status);
    }
}

static int mm_report(const struct mm_job *job, const struct rmig_xreq *res, int target)
{
    if (res->status == 0) {
        printf("rank %d moved from cluster %d to cluster %d (job %ld, downtime %.3f ms)\n",
               res->rank, res->from, res->cluster, job->id, (double)res->downtime_ns / 1e6);
        return MM_EXIT_MOVED;
    }
    if (res->status == -ESRCH) {
        fprintf(stderr,
                "mpimigrate: job %ld could not deliver the request for rank %d: %s "
                "(lost at cluster %d)\n",
                job->id, res->rank, mm_reason(res->status), res->cluster);
        return MM_EXIT_REFUSED;
    }
    if (target >= 0)
        fprintf(stderr,
                "mpimigrate: job %ld refused to move rank %d to cluster %d: %s (the "
                "rank stays on cluster %d)\n",
                job->id, res->rank, target, mm_reason(res->status), res->cluster);
    else
        fprintf(stderr,
                "mpimigrate: job %ld refused to move rank %d: %s (the rank stays on "
                "cluster %d)\n",
                job->id, res->rank, mm_reason(res->status), res->cluster);
    return MM_EXIT_REFUSED;
}

/* What the command line asks for. */
int mm_move_mode = RMIG_XREQ_MODE_JOB;

/* --mode's name: RMIG_XREQ_MODE_*, or -1 (said why). */
static int mm_mode_of(const char *name)
{
    if (strcmp(name, "stop") == 0 || strcmp(name, "live") == 0)
        return RMIG_XREQ_MODE_STOP;
    if (strcmp(name, "precopy") == 0)
        return RMIG_XREQ_MODE_PRECOPY;
    if (strcmp(name, "postcopy") == 0)
        return RMIG_XREQ_MODE_POSTCOPY;
    if (strcmp(name, "auto") == 0)
        return RMIG_XREQ_MODE_AUTO;
    fprintf(stderr, "mpimigrate: --mode wants stop, precopy, postcopy or auto, got '%s'\n", name);
    return -1;
}

struct mm_args {
    const char *job, *evacuate, *checkpoint, *via, *mode, *pos[2];
    long timeout;
    int npos, where, serial, estimate;
};

/* Parses argv into *a. Returns -1 to go on, else the exit status. */
static int mm_parse(int argc, char **argv, struct mm_args *a)
{
    int i, list = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            mm_usage(stdout);
            return MM_EXIT_MOVED;
        } else if (strcmp(argv[i], "--list") == 0) {
            list = 1;
        } else if (strcmp(argv[i], "--where") == 0) {
            a->where = 1;
        } else if (strcmp(argv[i], "--estimate") == 0) {
            a->estimate = 1;
        } else if (strcmp(argv[i], "--serial") == 0) {
            a->serial = 1;
        } else if (strcmp(argv[i], "--job") == 0 && i + 1 < argc) {
            a->job = argv[++i];
        } else if (strcmp(argv[i], "--checkpoint") == 0 && i + 1 < argc) {
            a->checkpoint = argv[++i];
        } else if (strcmp(argv[i], "--via-checkpoint") == 0 && i + 1 < argc) {
            a->via = argv[++i];
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            a->mode = argv[++i];
            if ((mm_move_mode = mm_mode_of(a->mode)) < 0)
                return MM_EXIT_USAGE;
        } else if (strcmp(argv[i], "--evacuate") == 0 && i + 1 < argc) {
            a->evacuate = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            if (mm_parse_long(argv[++i], 1, 86400, &a->timeout) < 0) {
                fprintf(stderr, "mpimigrate: --timeout wants seconds (1..86400), got '%s'\n",
                        argv[i]);
                return MM_EXIT_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0' &&
                   (argv[i][1] < '0' || argv[i][1] > '9')) {
            fprintf(stderr, "mpimigrate: unknown option or missing value: '%s'; try --help\n",
                    argv[i]);
            return MM_EXIT_USAGE;
        } else if (a->npos < 2) {
            a->pos[a->npos++] = argv[i];
        } else {
            fprintf(stderr, "mpimigrate: too many arguments; try --help\n");
            return MM_EXIT_USAGE;
        }
    }
    if (list && a->job == NULL && argc == 2)
        return -2; /* the jobs */
    a->where |= list;
    if ((a->where || a->evacuate != NULL) && (a->npos != 0 || (a->where && a->evacuate))) {
        fprintf(stderr, "mpimigrate: --where/--list and --evacuate take no RANK CLUSTER, and "
                        "not both; try --help\n");
        return MM_EXIT_USAGE;
    }
    if (a->checkpoint != NULL &&
        (a->npos != 0 || a->where || a->evacuate || a->estimate || a->via || a->mode)) {
        fprintf(stderr, "mpimigrate: --checkpoint DIR goes alone; try --help\n");
        return MM_EXIT_USAGE;
    }
    if (a->checkpoint != NULL)
        return a->serial
                   ? (fprintf(stderr, "mpimigrate: --serial goes with --evacuate\n"), MM_EXIT_USAGE)
                   : -1;
    if (a->mode != NULL && (a->where || a->estimate || a->via != NULL)) {
        fprintf(stderr, "mpimigrate: --mode goes with RANK CLUSTER or --evacuate; try --help\n");
        return MM_EXIT_USAGE;
    }
    if (a->estimate && (a->where || a->evacuate != NULL)) {
        fprintf(stderr, "mpimigrate: --estimate goes alone with RANK CLUSTER; try --help\n");
        return MM_EXIT_USAGE;
    }
    if (a->via != NULL && (a->where || a->evacuate != NULL)) {
        fprintf(stderr, "mpimigrate: --via-checkpoint goes alone with RANK CLUSTER; try --help\n");
        return MM_EXIT_USAGE;
    }
    if (!a->where && a->evacuate == NULL && a->npos != 2) {
        fprintf(stderr, "mpimigrate: want RANK and CLUSTER; try --help\n");
        return MM_EXIT_USAGE;
    }
    if (a->serial && a->evacuate == NULL) {
        fprintf(stderr, "mpimigrate: --serial goes with --evacuate; try --help\n");
        return MM_EXIT_USAGE;
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct mm_args a = {.timeout = 60};
    char run_dir[PATH_MAX], via[PATH_MAX];
    struct mm_job job;
    struct rmig_xreq res;
    int ret, rank, cluster;

    mm_run_dir(run_dir, sizeof(run_dir));
    ret = mm_parse(argc, argv, &a);
    if (ret == -2)
        return mm_list(run_dir);
    if (ret < 0 && a.via != NULL)
        ret = mm_via_dir(a.via, via, sizeof(via)) == MM_EXIT_MOVED ? -1 : MM_EXIT_USAGE;
    if (ret >= 0)
        return ret;
    ret = mm_pick_job(run_dir, a.job, &job);
    if (ret != MM_EXIT_MOVED)
        return ret;
    if (a.where)
        return mm_where(&job, (double)a.timeout);
    if (a.checkpoint != NULL)
        return mm_checkpoint(&job, a.checkpoint, (double)a.timeout);
    if (a.evacuate != NULL)
        return mm_evacuate(&job, a.evacuate, (double)a.timeout, a.serial);
    ret = mm_check_target(&job, a.pos[0], a.pos[1], &rank, &cluster);
    if (ret == MM_EXIT_MOVED && a.estimate)
        return mm_estimate(&job, rank, cluster, (double)a.timeout, a.via != NULL);
    if (ret == MM_EXIT_MOVED)
        ret = mm_talk_via(&job, rank, cluster, a.via != NULL ? via : NULL, (double)a.timeout, &res);
    return ret == MM_EXIT_MOVED ? mm_report(&job, &res, cluster) : ret;
}
