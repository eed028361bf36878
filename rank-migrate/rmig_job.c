/* rmig_job.c: job shape queries and the end of the job.
 *
 * At the end of a job one rank tells every idle cluster to leave through its
 * control mailbox; then every cluster, idle or not, leaves through
 * knode_shutdown(), whose launcher barrier keeps endpoints open until all
 * clusters are done with them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nanvix.h"
#include "rmig_internal.h"

int rmig_rank_count(void)
{
    return rmig_cluster.nranks;
}

int rmig_spare_count(void)
{
    return rmig_cluster.nspares;
}

int rmig_control_send(int cluster, int type)
{
    struct rmig_wire_hdr hdr;
    int mbx, ret;

    memset(&hdr, 0, sizeof(hdr));
    hdr.magic = RMIG_WIRE_MAGIC;
    hdr.version = RMIG_WIRE_VERSION;
    hdr.type = (uint16_t)type;
    hdr.job = knode_job_token();
    hdr.src_cluster = knode_get_num();
    mbx = kmailbox_open(cluster, RMIG_CONTROL_PORT);
    if (mbx < 0)
        return mbx;
    ret = (int)kmailbox_write(mbx, &hdr, sizeof(hdr));
    kmailbox_close(mbx);
    return ret < 0 ? ret : 0;
}

int rmig_end_idle_clusters(const int *host_of_rank, int nranks)
{
    int count = knode_count();
    char *busy = calloc((size_t)count, 1);
    int c, ret = 0;

    if (busy == NULL)
        return -ENOMEM;
    for (c = 0; c < nranks; c++)
        if (host_of_rank[c] >= 0 && host_of_rank[c] < count)
            busy[host_of_rank[c]] = 1;
    for (c = 0; c < count; c++) {
        if (!busy[c]) {
            int r = rmig_control_send(c, RMIG_MSG_JOB_END);
            if (r < 0)
                ret = r;
        }
    }
    free(busy);
    return ret;
}

int rmig_cluster_leave(void)
{
    if (rmig_cluster.left)
        return 0;
    rmig_cluster.left = 1;
    if (rmig_cluster.control_mbx >= 0)
        kmailbox_unlink(rmig_cluster.control_mbx);
    return knode_shutdown();
}
