/* coll.h: what the collectives (coll/) offer the rest of mpi/.
 *
 * Collective traffic runs on the communicator's collective context
 * (coll_ctx), apart from the application's point-to-point messages, with one
 * tag per collective family (enum mpi_coll_tag). Other rooms use the
 * blocking point-to-point steps below (communicator construction, the
 * fan-in of MPI_Finalize) and drive the nonblocking collectives' schedules
 * from their requests (mpi_request.c). The schedules themselves and the
 * algorithms are private to coll/ (coll_sched.h). Ranks are communicator
 * ranks; functions return 0 or < 0 (a cv.h code or -errno).
 */
#ifndef COLL_H
#define COLL_H

#include <stddef.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Collective tags inside a communicator's collective context. */
enum mpi_coll_tag {
    MPI_COLL_TAG_BARRIER = 1,
    MPI_COLL_TAG_BCAST = 2,
    MPI_COLL_TAG_REDUCE = 3,
    MPI_COLL_TAG_ALLREDUCE = 4,
    MPI_COLL_TAG_COMM = 5,     /* communicator construction (comm_create.c) */
    MPI_COLL_TAG_FINALIZE = 6, /* the fan-in of MPI_Finalize (mpi_init.c) */
    /* Scheduled collectives (coll_sched.c) use MPI_COLL_TAG_SCHED + the
     * communicator's sched_seq, one tag per call: a pending nonblocking
     * collective never matches the messages of a later one. */
    MPI_COLL_TAG_SCHED = 64,
};

struct mpi_comm;
struct mpi_rank_state;
struct mpi_sched;

/* coll_p2p.c: point-to-point steps of the collective algorithms, on the
 * communicator's collective context, with communicator ranks. Return 0 or < 0. */
int mpi_coll_send(struct mpi_comm *c, const void *buf, size_t len, int dest, int tag);
int mpi_coll_recv(struct mpi_comm *c, void *buf, size_t len, int source, int tag);
int mpi_coll_sendrecv(struct mpi_comm *c, const void *sbuf, size_t slen, int dest, void *rbuf,
                      size_t rlen, int source, int tag);

/* coll_barrier.c: a barrier over c. Returns 0 or < 0. */
int mpi_coll_barrier(struct mpi_comm *c);

/* coll_inter_all.c: nonblocking agreement over intercommunicator c: every
 * member of both groups ends with the elementwise maximum over both groups
 * of its n ints at vals (which must stay valid until the request
 * completes). Used by MPI_Comm_idup. Returns MPI_SUCCESS or an error. */
int mpi_coll_inter_imax(struct mpi_comm *c, int *vals, int n, MPI_Request *req);

/* coll_sched.c: the requests of nonblocking collectives (MPI_REQ_COLL). */

/* Advances sc without blocking; non-zero once it is complete. */
int mpi_sched_progress(struct mpi_sched *sc);

/* Advances every active schedule of s (s may be NULL). */
void mpi_sched_progress_all(struct mpi_rank_state *s);

/* Unchains a finished schedule from s and frees it; returns its error. */
int mpi_sched_finish(struct mpi_rank_state *s, struct mpi_sched *sc);

/* Persistent collectives (coll_sched.c, the _init calls of the families):
 * a schedule kept by an inactive persistent request (mpi_persist.c).
 * mpi_sched_restart() replays it from its first round and chains it as
 * active (MPI_Start); mpi_sched_stop() unchains a finished one and returns
 * its error, keeping it for the next start (completion);
 * mpi_sched_discard() frees it (release of the request). */
void mpi_sched_restart(struct mpi_rank_state *s, struct mpi_sched *sc);
int mpi_sched_stop(struct mpi_rank_state *s, struct mpi_sched *sc);
void mpi_sched_discard(struct mpi_sched *sc);

#pragma GCC visibility pop

#endif /* COLL_H */
