/* rmig_stream.h: the move's transport, one interface for every way a
 * container can travel (private to rank-migrate).
 *
 * A move hands the suspended container to a stream and learns only whether
 * the other end took it. Today there is one stream, portals to a spare
 * cluster of the same job (rmig_stream_portal.c): the source announces the
 * stream with a BEGIN control message and writes the range table and the
 * ranges through portals; the destination reads them in place and checks
 * them. Streams to another host or to a file (checkpoint) are further
 * implementations of struct rmig_stream_ops, chosen in rmig_stream_to();
 * nothing above rank-migrate knows which one carried a move.
 */
#ifndef RMIG_STREAM_H
#define RMIG_STREAM_H

#include "rmig.h"
#include "rmig_wire.h"

struct rmig_stream_ops {
    const char *name; /* for reports: "portal" */
    /* Source, kernel context, the rank suspended and the destination
     * reserved: sends the container to dest and fills st->ranges and
     * st->bytes. Returns 0 once dest confirmed it has the container (the
     * source may drop its copy), or a negative errno (the rank resumes
     * here): -EIO rejected by the destination, -ETIMEDOUT, -ENOMEM... */
    int (*send)(int dest, struct rmig_stats *st);
    /* Destination, kernel context: takes the container announced by
     * `begin`. Returns 1 when the container is in, checked and ready to
     * resume; 0 when it was rejected (the source was told, nothing of it
     * is kept). */
    int (*receive)(const struct rmig_wire_hdr *begin);
};

/* The range table of a suspended container (rmig_table_build.c): every
 * touched range with its checksum, in runtime memory. */
struct rmig_table {
    struct rmig_wire_range *r;
    int n, cap;
    uint64_t bytes; /* sum of the ranges' lengths */
};

/* Source, kernel context, rank suspended: lists the container's ranges into
 * *t. Returns 0, or -ENODEV without a container, -ENOMEM. */
int rmig_table_build(struct rmig_table *t);
void rmig_table_free(struct rmig_table *t);

/* The portal stream between two clusters of one job. */
extern const struct rmig_stream_ops rmig_stream_portal;

/* The stream that carries a container to (or from) `cluster`. */
const struct rmig_stream_ops *rmig_stream_to(int cluster);

#endif /* RMIG_STREAM_H */
