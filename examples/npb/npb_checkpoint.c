/* npb_checkpoint.c: a checkpoint of an NPB kernel mid-run (--checkpoint).
 *
 * `--checkpoint ITER:DIR[:kill]`: at iteration ITER of the timed loop every
 * rank calls MPIX_Checkpoint(DIR); with `kill`, the last rank's cluster
 * then kills itself (SIGKILL) and the job ends, to be restarted with
 * `mpiexec --restart DIR`, where the ranks resume inside the call and the
 * kernel runs to its end. The call is a nanvix-mpi extension, looked up
 * with dlsym like the migration calls (npb_migrate.c): on another MPI
 * library the option is ignored with one message. Nothing is printed at
 * the checkpoint, so the killed run's output followed by the restarted
 * one's is the uninterrupted run's (timings aside).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include "npb_common.h"
#include "npb_migrate.h"

#include <dlfcn.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int npb_ckpt_iter; /* 0: no checkpoint */
static int npb_ckpt_kill; /* kill the last rank's cluster after it */
static char npb_ckpt_dir[4096];
static int (*npb_ckpt_call)(const char *, int *);

int npb_checkpoint_parse(const char *spec)
{
    const char *colon;
    char *end;
    size_t len;

    npb_ckpt_iter = 0;
    if (spec == NULL)
        return 0;
    long it = strtol(spec, &end, 10);
    if (end == spec || *end != ':' || it < 1 || it > 1000000)
        return -1;
    colon = strchr(end + 1, ':');
    len = colon != NULL ? (size_t)(colon - end - 1) : strlen(end + 1);
    if (len == 0 || len >= sizeof(npb_ckpt_dir) || (colon != NULL && strcmp(colon, ":kill") != 0))
        return -1;
    memcpy(npb_ckpt_dir, end + 1, len);
    npb_ckpt_dir[len] = '\0';
    npb_ckpt_kill = colon != NULL;
    npb_ckpt_iter = (int)it;
    *(void **)&npb_ckpt_call = dlsym(RTLD_DEFAULT, "MPIX_Checkpoint");
    if (npb_ckpt_call == NULL)
        npb_say("checkpoints not supported by this MPI library: --checkpoint ignored\n");
    return 0;
}

void npb_checkpoint_point(int iter)
{
    int restarted = 0, rank, size;

    if (iter != npb_ckpt_iter || npb_ckpt_call == NULL)
        return;
    npb_ckpt_iter = 0; /* once */
    if (npb_ckpt_call(npb_ckpt_dir, &restarted) != MPI_SUCCESS)
        MPI_Abort(MPI_COMM_WORLD, 3);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (npb_ckpt_kill && !restarted && rank == size - 1) {
        fflush(stdout);
        raise(SIGKILL);
    }
}
