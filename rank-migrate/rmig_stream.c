/* rmig_stream.c: the one place where a move's stream is chosen.
 *
 * Every container travels through the portal stream today: both ends are
 * clusters of one job, reachable through the Nanvix portal interface
 * (libfabric between hosts, the writer's kernel copy or libfabric's shm
 * within one). A stream to a file, or one tuned for another host, would be
 * picked here, by destination, and nowhere else.
 */
#include "rmig_internal.h"

const struct rmig_stream_ops *rmig_stream_to(int cluster)
{
    (void)cluster;
    return &rmig_stream_portal;
}
