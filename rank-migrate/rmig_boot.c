/* rmig_boot.c: cluster start-up and the idle spare's wait loop.
 *
 * The uarea layer starts every process of the job; before `main` it calls
 * rmig_cluster_boot(), which bootstraps the Nanvix port and decides from the
 * job shape whether this cluster runs a rank from the start or waits as a
 * spare. A spare sits in rmig_spare_loop() reading its control mailbox until
 * the job ends. The hooks are registered from a constructor so that the
 * lower layer never has to name this one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "ua.h"

struct rmig_cluster rmig_cluster = {.control_mbx = -1};

/* Reads a non-negative integer from the environment, or returns dflt. */
static int rmig_env_int(const char *name, int dflt)
{
    const char *s = getenv(name);
    char *end;
    long v;

    if (s == NULL || *s == '\0')
        return dflt;
    v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > KNODE_MAX)
        return dflt;
    return (int)v;
}

/* Works out how many clusters are ranks and how many spares. */
static void rmig_job_shape(void)
{
    int count = knode_count();
    int nranks = rmig_env_int("NMPI_NRANKS", -1);
    int nspares = rmig_env_int("NMPI_SPARES", 0);

    if (nranks < 0 || nranks > count)
        nranks = count - nspares;
    if (nranks < 1) {
        fprintf(stderr, "nanvix-mpi: job of %d clusters with %d spares has no rank\n", count,
                nspares);
        nranks = 1;
    }
    rmig_cluster.nranks = nranks;
    rmig_cluster.nspares = count - nranks;
}

int rmig_cluster_boot(void)
{
    int me;

    if (knode_setup() < 0)
        return -EIO;
    rmig_cluster.booted = 1;
    rmig_job_shape();
    me = knode_get_num();
    rmig_cluster.control_mbx = kmailbox_create(me, RMIG_CONTROL_PORT);
    if (rmig_cluster.control_mbx < 0)
        return rmig_cluster.control_mbx;
    return me < rmig_cluster.nranks;
}

int rmig_spare_loop(void)
{
    char msg[KMAILBOX_MESSAGE_SIZE];
    uint64_t job = knode_job_token();

    for (;;) {
        ssize_t n = kmailbox_read(rmig_cluster.control_mbx, msg, sizeof(msg));

        if (n < 0) {
            fprintf(stderr, "nanvix-mpi: cluster %d: control mailbox failed (%zd)\n",
                    knode_get_num(), n);
            return 1;
        }
        if (rmig_wire_check(msg, n, job) == RMIG_MSG_JOB_END)
            break;
        /* Anything else is not for this job or not understood: drop it. */
    }
    return rmig_cluster_leave() < 0 ? 1 : 0;
}

int rmig_rank_exit(int status)
{
    /* A rank that returned from main without MPI_Finalize leaves silently;
     * the launcher reports the job's status. */
    return status;
}

static const struct ua_boot_hooks rmig_hooks = {
    .cluster_boot = rmig_cluster_boot,
    .spare_loop = rmig_spare_loop,
    .rank_exit = rmig_rank_exit,
};

__attribute__((constructor)) static void rmig_register_hooks(void)
{
    ua_set_boot_hooks(&rmig_hooks);
}
