/* rmig_stream.h: the move's transport, one interface for every way a
 * container can travel (private to rank-migrate).
 *
 * A move hands the suspended container to a stream and learns only whether
 * the other end took it. Two streams: portals to a spare cluster of the
 * same job (rmig_stream_portal.c): the source announces the stream with a
 * BEGIN control message and writes the range table and the ranges through
 * portals; the destination reads them in place and checks them. And a
 * checkpoint image file (rmig_stream_file.c): the source writes the
 * container to a file and announces it with BEGIN_FILE; the destination
 * loads and checks it. The source's is chosen in rmig_stream_to(), the
 * destination's by the BEGIN it got (rmig_stream_of); nothing above
 * rank-migrate knows which one carried a move.
 */
#ifndef RMIG_STREAM_H
#define RMIG_STREAM_H

#include <sys/types.h>

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
    /* Set before rmig_table_build_with: a range it says yes to gets
     * checksum 0 (a post-copy move's heap: pulled later, never checked
     * against the table, so not summed while the rank is frozen). */
    int (*unsummed)(const struct rmig_wire_range *r);
};

/* Source, kernel context, rank suspended: lists the container's ranges into
 * *t. Returns 0, or -ENODEV without a container, -ENOMEM. */
int rmig_table_build(struct rmig_table *t);
/* The same, t->unsummed set by the caller (the rest of *t zero). */
int rmig_table_build_with(struct rmig_table *t);
void rmig_table_free(struct rmig_table *t);

/* The portal stream between two clusters of one job. */
extern const struct rmig_stream_ops rmig_stream_portal;
/* The checkpoint stream: through an image file (rmig_stream_file.c). */
extern const struct rmig_stream_ops rmig_stream_file;
/* The pre-copy stream's stop round and its destination (rmig_stream_precopy.c). */
extern const struct rmig_stream_ops rmig_stream_precopy;
/* The post-copy stream: first pages, then pulls (rmig_postcopy_move.h). */
extern const struct rmig_stream_ops rmig_stream_postcopy;

/* Source: the stream that carries the container being moved to `cluster`
 * (the file stream when the move chose a directory). */
const struct rmig_stream_ops *rmig_stream_to(int cluster);
/* Destination: the stream a BEGIN or BEGIN_FILE announces. */
const struct rmig_stream_ops *rmig_stream_of(const struct rmig_wire_hdr *begin);
/* Source: the number of the next stream from here, 0..RMIG_STREAMS-1,
 * skipping numbers whose streams stalled. */
int rmig_stream_number(void);

/* Shared by the streams (rmig_stream_portal.c). rmig_decision_wait: the
 * destination, container verified and DONE sent, waits for the source's
 * COMMIT or ABORT of `stream` (returns that type, or -ETIMEDOUT).
 * rmig_trim_for: zeroes what a container that left here may have left
 * outside the arriving ranges. rmig_runs: fn on each run of contiguous
 * ranges. */
int rmig_decision_wait(int src, int stream);
/* Also shared, from rmig_stream_portal.c (the post-copy stream sends its
 * first pages as the portal stream sends ranges): see there. */
ssize_t rmig_portal_finish(int portal, int peer, int writing);
int rmig_portal_post_read(int portal, int src, int port, void *buf, size_t len);
int rmig_ranges_send(const int *portal, int dest, const struct rmig_table *t, int nsend,
                     int short_one);
int rmig_ranges_receive(const int *portal, int src, int stream, const struct rmig_wire_range *r,
                        int n);
void rmig_portals_close(const int *portal);
void rmig_portals_unlink(const int *portal);
void rmig_trim_for(const struct rmig_wire_range *r, int n);
void rmig_runs(const struct rmig_wire_range *r, int n, void (*fn)(void *, size_t));

/* rmig_stream_file.c, rank context. rmig_stream_file_check: dir is a
 * directory this cluster may write: 0, -ENOENT, -ENOTDIR, -EACCES, -EROFS,
 * -ENAMETOOLONG. rmig_stream_file_use: the move about to freeze goes
 * through dir (NULL: live). rmig_stream_file_chosen: one does. */
int rmig_stream_file_check(const char *dir);
void rmig_stream_file_use(const char *dir);
int rmig_stream_file_chosen(void);

#endif /* RMIG_STREAM_H */
