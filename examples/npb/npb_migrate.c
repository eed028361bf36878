/* npb_migrate.c: runs and reports the migration schedule of an NPB kernel.
 *
 * MPI_Migrateto, MPIX_Cluster_self and MPIX_Migration_stats are nanvix-mpi
 * extensions, so they are looked up with dlsym(RTLD_DEFAULT, ...) instead of
 * being linked: one binary built with MPICH's mpicc runs on both libraries.
 * On MPICH the lookup fails and the schedule is ignored with one message.
 *
 * Each move is recorded by the rank that moved, in per-entry arrays that are
 * zero on every other rank; npb_migrate_report() adds them up on rank 0 with
 * MPI_Reduce, so no rank needs to know who moved when. Just before a move
 * the rank asks the library what it predicts (MPIX_Migration_estimate_detail,
 * when the library has it): the report puts it beside the measured figures,
 * which is how bench/run-migration-modes.sh judges the cost model on moves
 * it was not fitted on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include "npb_common.h"
#include "npb_migrate.h"

#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* Our mpi.h defines it; MPICH's does not, and the value is part of our ABI. */
#ifndef MPIX_ANY_SPARE
#define MPIX_ANY_SPARE (-4)
#endif

#define NPB_MIG_MAX 16

enum { NPB_MIG_PENDING, NPB_MIG_MOVED, NPB_MIG_FAILED };

static struct {
    int rank, iter;
} npb_sched[NPB_MIG_MAX];
static int npb_nsched;

/* Outcome of each entry, filled in by the rank that moved (zero elsewhere). */
static int npb_state[NPB_MIG_MAX], npb_from[NPB_MIG_MAX], npb_to[NPB_MIG_MAX],
    npb_errclass[NPB_MIG_MAX];
static double npb_wall[NPB_MIG_MAX], npb_down[NPB_MIG_MAX];
static long long npb_bytes[NPB_MIG_MAX];
/* The library's prediction made before the move (zero: none made). */
static double npb_pred_down[NPB_MIG_MAX], npb_pred_total[NPB_MIG_MAX];

static int (*npb_migrateto)(int);
static int (*npb_cluster_self)(int *);
static int (*npb_stats)(double *, long long *, int *);
static int (*npb_estimate)(int, int, double *, double *, long long *, char *, char *);

int npb_migrate_parse(const char *spec, int size)
{
    const char *p = spec;
    char *end;

    npb_nsched = 0;
    while (p != NULL && *p != '\0') {
        long r = strtol(p, &end, 10), it;
        if (end == p || *end != '@' || r < 0 || r >= size)
            goto bad;
        p = end + 1;
        it = strtol(p, &end, 10);
        if (end == p || it < 1 || (*end != ',' && *end != '\0') || npb_nsched == NPB_MIG_MAX)
            goto bad;
        npb_sched[npb_nsched].rank = (int)r;
        npb_sched[npb_nsched++].iter = (int)it;
        p = *end == ',' ? end + 1 : end;
    }
    *(void **)&npb_migrateto = dlsym(RTLD_DEFAULT, "MPI_Migrateto");
    *(void **)&npb_cluster_self = dlsym(RTLD_DEFAULT, "MPIX_Cluster_self");
    *(void **)&npb_stats = dlsym(RTLD_DEFAULT, "MPIX_Migration_stats");
    *(void **)&npb_estimate = dlsym(RTLD_DEFAULT, "MPIX_Migration_estimate_detail");
    if (npb_nsched > 0 && (npb_migrateto == NULL || npb_stats == NULL || npb_cluster_self == NULL))
        npb_say("migration not supported by this MPI library: schedule ignored\n");
    return 0;
bad:
    npb_say("bad --migrate schedule '%s': want RANK@ITER[,RANK@ITER...], RANK < %d, ITER >= 1\n",
            spec, size);
    return -1;
}

/* Moves this rank for entry i and records the outcome. */
static void npb_migrate_one(int i)
{
    double times[5], t0;
    int rc, moves, rank;

    npb_cluster_self(&npb_from[i]);
    /* A failed move (no spare left, ...) is reported, not fatal: the rank stays. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (npb_estimate != NULL) {
        char path[16], source[768]; /* MPIX_MIGRATION_PATH_MAX, _SOURCE_MAX of our mpi.h */
        long long bytes;

        if (npb_estimate(rank, MPIX_ANY_SPARE, &npb_pred_down[i], &npb_pred_total[i], &bytes, path,
                         source) != MPI_SUCCESS)
            npb_pred_down[i] = npb_pred_total[i] = 0.0;
    }
    t0 = MPI_Wtime();
    rc = npb_migrateto(MPIX_ANY_SPARE);
    npb_wall[i] = MPI_Wtime() - t0;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    if (rc != MPI_SUCCESS) {
        npb_state[i] = NPB_MIG_FAILED;
        MPI_Error_class(rc, &npb_errclass[i]);
        return;
    }
    npb_state[i] = NPB_MIG_MOVED;
    npb_cluster_self(&npb_to[i]);
    if (npb_stats(times, &npb_bytes[i], &moves) == MPI_SUCCESS)
        npb_down[i] = times[4]; /* downtime: frozen until resumed on the new cluster */
}

int npb_migrate_point(int iter)
{
    int rank;

    npb_checkpoint_point(iter);
    npb_pace_point();
    if (npb_nsched == 0 || npb_migrateto == NULL || npb_stats == NULL || npb_cluster_self == NULL)
        return 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int i = 0; i < npb_nsched; i++)
        if (npb_sched[i].rank == rank && npb_sched[i].iter == iter &&
            npb_state[i] == NPB_MIG_PENDING)
            npb_migrate_one(i);
    return 0;
}

/* Rank 0 prints entry i from the summed arrays; returns its wall time (0 if it did not move). */
static double npb_migrate_line(int i, const int *st, const int *from, const int *to, const int *err,
                               const double *wall, const double *down, const long long *bytes,
                               const double *pred)
{
    npb_say(" Migration %d: rank %d at iteration %d: ", i + 1, npb_sched[i].rank,
            npb_sched[i].iter);
    if (st[i] == NPB_MIG_MOVED) {
        npb_say("cluster %d -> %d in %.4f s (downtime %.4f s, %lld bytes", from[i], to[i], wall[i],
                down[i], bytes[i]);
        if (pred[2 * i + 1] > 0.0) /* pred: downtime and total of each entry */
            npb_say("; predicted downtime %.6f s, total %.6f s", pred[2 * i], pred[2 * i + 1]);
        npb_say(")\n");
        return wall[i];
    }
    if (st[i] == NPB_MIG_FAILED) {
        char text[MPI_MAX_ERROR_STRING];
        int len;
        MPI_Error_string(err[i], text, &len); /* an error class is also an error code */
        npb_say("FAILED after %.4f s (%s)\n", wall[i], text);
    } else
        npb_say("not reached (the timed loop is shorter)\n");
    return 0.0;
}

void npb_migrate_report(double run_time)
{
    int st[NPB_MIG_MAX], from[NPB_MIG_MAX], to[NPB_MIG_MAX], err[NPB_MIG_MAX], n = npb_nsched;
    double wall[NPB_MIG_MAX], down[NPB_MIG_MAX], total = 0.0, frozen = 0.0;
    double mine[2 * NPB_MIG_MAX], pred[2 * NPB_MIG_MAX];
    long long bytes[NPB_MIG_MAX];
    int rank;

    if (n == 0 || npb_migrateto == NULL || npb_stats == NULL || npb_cluster_self == NULL)
        return;
    MPI_Reduce(npb_state, st, n, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(npb_from, from, n, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(npb_to, to, n, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(npb_errclass, err, n, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(npb_wall, wall, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(npb_down, down, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(npb_bytes, bytes, n, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    for (int i = 0; i < n; i++) {
        mine[2 * i] = npb_pred_down[i];
        mine[2 * i + 1] = npb_pred_total[i];
    }
    MPI_Reduce(mine, pred, 2 * n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank != 0)
        return;
    for (int i = 0; i < n; i++) {
        total += npb_migrate_line(i, st, from, to, err, wall, down, bytes, pred);
        frozen += st[i] == NPB_MIG_MOVED ? down[i] : 0.0;
    }
    /* The call's time counts what the moving rank lost; the downtime only the
     * part it was frozen (the rest is spent waiting, e.g. on the route update). */
    npb_say(" Migration time = %.4f s (%.2f%% of run time), downtime %.4f s\n", total,
            run_time > 0 ? 100.0 * total / run_time : 0.0, frozen);
}
