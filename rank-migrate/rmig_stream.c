/* rmig_stream.c: the one place where a move's stream is chosen.
 *
 * A container travels through the pre-copy stream when a pre-copy move to
 * that cluster is under way (its rounds went while the rank ran), else
 * through the portal stream (both ends clusters of one
 * job, reachable through the Nanvix portal interface: libfabric between
 * hosts, the writer's kernel copy or libfabric's shm within one), or,
 * when the move chose a directory (rmig_stream_file_use), through a
 * checkpoint image file. The source picks here, the destination picks by
 * the BEGIN it got, and nowhere else. Stream numbers are handed out here
 * for every stream of a source.
 */
#include "rmig_internal.h"
#include "rmig_postcopy_move.h"
#include "rmig_precopy_move.h"

const struct rmig_stream_ops *rmig_stream_to(int cluster)
{
    if (rmig_stream_file_chosen())
        return &rmig_stream_file;
    if (rmig_postcopy_chosen())
        return &rmig_stream_postcopy;
    return rmig_pc.active && rmig_pc.dest == cluster ? &rmig_stream_precopy : &rmig_stream_portal;
}

const struct rmig_stream_ops *rmig_stream_of(const struct rmig_wire_hdr *begin)
{
    if (begin->type == RMIG_MSG_PRECOPY)
        return &rmig_stream_precopy;
    if (begin->type == RMIG_MSG_POSTCOPY)
        return &rmig_stream_postcopy;
    return begin->type == RMIG_MSG_BEGIN_FILE ? &rmig_stream_file : &rmig_stream_portal;
}

/* A stream that stalled (its peer silent: a link down) may leave writes
 * the provider still holds and delivers once the link is back (a send
 * cannot be cancelled between hosts); they would be the first data a later
 * stream of the same number reads - rejected by its checksums, but leaving
 * that number out of step for good. So such numbers are not used again
 * while others are left. */
_Static_assert(RMIG_STREAMS <= 32, "streams_stalled has a bit per stream number");

int rmig_stream_number(void)
{
    int stream = (int)(rmig_cluster.streams++ % RMIG_STREAMS);

    for (int i = 0; i < RMIG_STREAMS && (rmig_cluster.streams_stalled >> stream & 1); i++)
        stream = (int)(rmig_cluster.streams++ % RMIG_STREAMS);
    return stream;
}
