/* rmig_job.c: job shape queries and the end of the job.
 *
 * At the end of a job one rank tells every other cluster through its control
 * mailbox that the job is over; idle ones leave at once; then every cluster, idle or not, leaves
 * through knode_shutdown(), whose launcher barrier keeps endpoints open until all clusters are done
 * with them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"
#include "rmig_precopy_move.h"

int rmig_rank_count(void)
{
    return rmig_cluster.nranks;
}

int rmig_spare_count(void)
{
    return rmig_cluster.nspares;
}

/* Every other cluster is told: one that hosts a rank ignores it (its rank
 * leaves through finalize), so a stale route cache cannot strand a spare. */
int rmig_end_idle_clusters(const int *host_of_rank, int nranks)
{
    int count = knode_count(), self = knode_get_num(), c, ret = 0;

    (void)host_of_rank;
    (void)nranks;
    for (c = 0; c < count; c++) {
        if (c != self) {
            int r = rmig_control_send(c, RMIG_MSG_JOB_END, -1, 0, 0, 0);
            if (r < 0)
                ret = r;
        }
    }
    return ret;
}

void rmig_rank_finalizing(void)
{
    rmig_cluster.finalizing = 1;
    rmig_precopy_abandon(-ESHUTDOWN);
}

int rmig_cluster_leave(void)
{
    if (rmig_cluster.left)
        return 0;
    rmig_cluster.left = 1;
    rmig_preempt_end();
    if (rmig_cluster.control_mbx >= 0)
        kmailbox_unlink(rmig_cluster.control_mbx);
    kjob_request_close();
    return knode_shutdown();
}
