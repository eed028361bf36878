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
#include <string.h>

#include "base.h"
#include "nanvix.h"
#include "rmig_ckpt.h"
#include "rmig_internal.h"
#include "rmig_postcopy_fault.h"
#include "rmig_postcopy_move.h"
#include "rmig_precopy_move.h"
#include "ua.h"

struct rmig_cluster rmig_cluster = {.control_mbx = -1,
                                    .reserved_for = -1,
                                    .move_dest = -1,
                                    .departing_to = -1,
                                    .ask_cluster = -1,
                                    .stream_now = -1};

/* Reads a job-shape setting (set by mpiexec), or returns dflt. */
static int rmig_env_int(const char *name, int dflt)
{
    const char *s = base_setting(name);
    char *end;
    long v;

    if (*s == '\0')
        return dflt;
    v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > KNODE_MAX)
        return dflt;
    return (int)v;
}

/* Opens the socket for requests from outside the job, when the launcher
 * made a job directory; without it the job still runs, only unreachable. */
static void rmig_request_socket_open(void)
{
    int ret = kjob_request_open();

    if (ret < 0 && ret != -ENOENT)
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: no request socket in %s (%s); mpimigrate "
                 "cannot reach it",
                 knode_get_num(), base_setting("NMPI_JOB_DIR"), strerror(-ret));
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
        base_log(BASE_LOG_ERROR, "rmig", "job of %d clusters with %d spares has no rank", count,
                 nspares);
        nranks = 1;
    }
    rmig_cluster.nranks = nranks;
    rmig_cluster.nspares = count - nranks;
}

int rmig_cluster_boot(void)
{
    int me, ret;

    if (knode_setup() < 0)
        return -EIO;
    rmig_cluster.booted = 1;
    rmig_job_shape();
    rmig_cores_bind();
    rmig_lost_boot();
    me = knode_get_num();
    rmig_cluster.control_mbx = kmailbox_create(me, RMIG_CONTROL_PORT);
    if (rmig_cluster.control_mbx < 0)
        return rmig_cluster.control_mbx;
    rmig_request_socket_open();
    if (rmig_precopy_boot() < 0) /* said at the first pre-copy move asked */
        base_log(BASE_LOG_DEBUG, "rmig", "cluster %d: no pre-copy moves", me);
    ret = rmig_preempt_boot();
    if (ret < 0)
        base_log(BASE_LOG_WARN, "rmig",
                 "cluster %d: no preemption (%s): ranks move only in "
                 "MPI calls",
                 me, strerror(-ret));
    return rmig_ckpt_boot(me < rmig_cluster.nranks); /* NMPI_RESTART_DIR: from images */
}

/* Kernel context, no rank here: forwards what reached this cluster for a
 * rank that left (the messaging layer's part), if it registered one. */
static int rmig_forward(void)
{
    return rmig_cluster.messaging.forward != NULL ? rmig_cluster.messaging.forward() : 0;
}

int rmig_spare_loop(void)
{
    unsigned spins = 0;

    for (;;) {
        struct rmig_wire_hdr h;
        int t;

        rmig_xreq_poll();
        if (rmig_cluster.job_ending && !ua_container_present())
            break; /* a JOB_END came while a move was being received */
        if (ua_rank_suspended()) {
            rmig_move_out();
            continue;
        }
        if (rmig_postcopy_serve_poll() > 0) { /* a rank runs on these pulls: first */
            spins = 0;
            continue;
        }
        t = rmig_control_poll_once(&h);
        if (t > 0) {
            int r = rmig_control_handle(&h);

            if (r == 1 && !ua_container_present()) {
                /* Messages queued for forwarding before the end went out
                 * first: pass them on before leaving. */
                while (rmig_forward() > 0)
                    ;
                break;
            }
            if (r == 2)
                rmig_move_in(&h);
            spins = 0;
            continue;
        }
        if (!ua_container_present() && rmig_forward() > 0) {
            spins = 0;
            continue;
        }
        rmig_reach_tick();
        knode_idle(&spins);
    }
    return rmig_cluster_leave() < 0 ? 1 : 0;
}

int rmig_rank_exit(int status)
{
    /* A rank that returned from main without MPI_Finalize leaves silently;
     * the launcher reports the job's status. A pre-copy move it had under
     * way is given up: its destination must not wait for the rest. */
    rmig_precopy_abandon(-ESHUTDOWN);
    rmig_postcopy_quit(); /* its pages are no longer needed */
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
