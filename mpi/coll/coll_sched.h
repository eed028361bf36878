/* coll_sched.h: collective schedules, private to coll/ (the other rooms see coll.h).
 *
 * A schedule is a list of steps (send, receive, local reduction, local copy)
 * cut into rounds. All steps of a round start together, in the order they
 * were added: local steps run at once, sends and receives are posted on the
 * communicator's collective context. The next round starts when every send
 * and receive of the current one has completed. Algorithms are written once
 * as schedule builders (sched_*), and serve both the blocking collective
 * (build, then mpi_sched_run) and the nonblocking one (build, then
 * mpi_sched_start, completed by Wait/Test).
 *
 * A schedule and its scratch buffers are allocated in rank context, so they
 * sit in the container and move with the rank; active schedules are chained
 * from the root object so every wait loop progresses all of them (MPI's
 * progress rule: a pending collective must advance while its rank waits on
 * anything else).
 *
 * Data are described as (buffer, count, datatype). sched_bytes() is the span
 * of count items in memory (count * extent); on the wire, steps carry the
 * packed form (count * size bytes), packed and unpacked by the engine for
 * derived datatypes, which every step references until the schedule ends.
 */
#ifndef COLL_SCHED_H
#define COLL_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>
#include "coll.h"
#include "cv.h"

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_rank_state;

enum sched_kind { SCHED_SEND, SCHED_RECV, SCHED_REDUCE, SCHED_COPY };

struct sched_step {
    uint8_t kind;     /* enum sched_kind */
    int round;        /* steps of one round start together */
    int peer;         /* SEND/RECV: communicator rank */
    const void *src;  /* SEND: data; REDUCE: in; COPY: source */
    void *dst;        /* RECV: buffer; REDUCE: inout; COPY: destination */
    int count;        /* items of dt */
    MPI_Datatype dt;  /* datatype of the items */
    int rcount;       /* COPY: items of rdt at dst */
    MPI_Datatype rdt; /* COPY: dst's datatype (may differ from dt, same signature) */
    MPI_Op op;        /* REDUCE: the operation */
    cv_request_t *cv; /* SEND/RECV once posted */
    void *pack;       /* SEND/RECV of a derived type: packed data in flight */
};

struct mpi_sched {
    struct mpi_comm *c; /* communicator (a reference is held) */
    int tag;            /* tag of every message of this call */
    struct sched_step *steps;
    int nsteps, cap;
    int round;   /* round that steps added now belong to */
    int next;    /* first step not started yet */
    int started; /* first step of the round in flight */
    int err;     /* first error met (0 when none) */
    int done;    /* every step completed */
    void **tmps; /* scratch buffers freed with the schedule */
    int ntmps;
    int local; /* intercomms: peers of steps added now are local ranks (coll_inter.h) */
    struct mpi_sched *next_active; /* chain from the root object */
};

/* A new empty schedule on c with a fresh tag, or NULL (no memory). */
struct mpi_sched *mpi_sched_new(struct mpi_comm *c);

/* Adds steps to the current round. peer == MPI_PROC_NULL adds nothing. */
void sched_send(struct mpi_sched *sc, const void *buf, int count, MPI_Datatype dt, int peer);
void sched_recv(struct mpi_sched *sc, void *buf, int count, MPI_Datatype dt, int peer);
/* inout = in op inout */
void sched_reduce(struct mpi_sched *sc, const void *in, void *inout, int count, MPI_Datatype dt,
                  MPI_Op op);
void sched_copy(struct mpi_sched *sc, const void *src, void *dst, int count, MPI_Datatype dt);
/* Copies scount items of sdt at src into rcount items of rdt at dst: the
 * two sides of a collective's own block may have different layouts (a
 * vector against n doubles), only their type signatures match. */
void sched_copy_as(struct mpi_sched *sc, const void *src, int scount, MPI_Datatype sdt, void *dst,
                   int rcount, MPI_Datatype rdt);

/* Ends the current round: later steps wait for its sends and receives. */
void sched_round(struct mpi_sched *sc);

/* Scratch memory owned by the schedule, or NULL (sc->err is set then). */
void *sched_tmp(struct mpi_sched *sc, size_t bytes);

/* Bytes count items of dt span in memory (count * extent); extent of dt. */
size_t sched_bytes(int count, MPI_Datatype dt);
size_t sched_extent(MPI_Datatype dt);

/* Runs sc to completion and frees it. Returns 0 or the first error. */
int mpi_sched_run(struct mpi_sched *sc);

/* Makes sc a nonblocking request (*h_p), or frees it and returns an error. */
int mpi_sched_start(struct mpi_rank_state *s, struct mpi_sched *sc, MPI_Request *h_p);

/* Makes sc an inactive persistent request (*h_p) that MPI_Start replays, or
 * frees it and returns an error. */
int mpi_sched_keep(struct mpi_rank_state *s, struct mpi_sched *sc, MPI_Request *h_p);

/* mpi_sched_progress, mpi_sched_progress_all and mpi_sched_finish, which
 * requests use, are in coll.h. */

/* Schedule builders shared by blocking and nonblocking collectives
 * (arguments already checked; MPI_IN_PLACE as the standard allows). */
void sched_barrier(struct mpi_sched *sc);
void sched_bcast(struct mpi_sched *sc, void *buf, int count, MPI_Datatype dt, int root);
void sched_reduce_tree(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                       MPI_Datatype dt, MPI_Op op, int root);
void sched_allreduce(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                     MPI_Datatype dt, MPI_Op op);
void sched_allgatherv(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                      void *recvbuf, const int *rcounts, const int *displs, MPI_Datatype rdt);
void sched_allgather(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                     void *recvbuf, int rcount, MPI_Datatype rdt);
void sched_alltoall(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                    void *recvbuf, int rcount, MPI_Datatype rdt);
void sched_alltoallv(struct mpi_sched *sc, const void *sendbuf, const int *scounts,
                     const int *sdispls, MPI_Datatype sdt, void *recvbuf, const int *rcounts,
                     const int *rdispls, MPI_Datatype rdt);
void sched_alltoallw(struct mpi_sched *sc, const void *sendbuf, const int *scounts,
                     const int *sdispls, const MPI_Datatype *sdts, void *recvbuf,
                     const int *rcounts, const int *rdispls, const MPI_Datatype *rdts);
/* Gather(v) and Scatter(v): rcounts/scounts NULL for the one-count form. */
void sched_gatherv(struct mpi_sched *sc, const void *sendbuf, int scount, MPI_Datatype sdt,
                   void *recvbuf, const int *rcounts, const int *displs, int rcount,
                   MPI_Datatype rdt, int root);
void sched_scatterv(struct mpi_sched *sc, const void *sendbuf, const int *scounts,
                    const int *displs, int scount, MPI_Datatype sdt, void *recvbuf, int rcount,
                    MPI_Datatype rdt, int root);
/* Scan (exclusive 0) and Exscan (exclusive 1). */
void sched_scan(struct mpi_sched *sc, const void *sendbuf, void *recvbuf, int count,
                MPI_Datatype dt, MPI_Op op, int exclusive);
/* Reduce_scatter (counts) and Reduce_scatter_block (counts NULL, `count`
 * each); total is the length of the whole vector (rs_check). */
void sched_reduce_scatter(struct mpi_sched *sc, const void *sendbuf, void *recvbuf,
                          const int *counts, int count, int total, MPI_Datatype dt, MPI_Op op);

/* Blocking algorithms on bytes, without a schedule (coll_reduce.c,
 * coll_bcast.c). Return 0 or < 0. */
int mpi_coll_reduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                    MPI_Datatype dt, MPI_Op op, int root);
int mpi_coll_bcast(struct mpi_comm *c, void *buf, size_t len, int root);

/* Non-zero when op is commutative (predefined or user). */
int sched_commutative(MPI_Op op);

/* coll_check.c: argument checks shared by the collectives, each returning
 * MPI_SUCCESS or the MPI error class of the fault. */
/* mpi_enter + communicator lookup. */
int coll_enter(MPI_Comm comm, struct mpi_rank_state **s_p, struct mpi_comm **c_p);
/* count >= 0 (MPI_ERR_COUNT), dt valid (MPI_ERR_TYPE), buf set when
 * count > 0 (MPI_ERR_BUFFER). */
int coll_check_data(const void *buf, int count, MPI_Datatype dt);
/* counts/displs arrays of c->size entries present (MPI_ERR_ARG), counts
 * >= 0 (MPI_ERR_COUNT); displs may be NULL when need_displs is 0. */
int coll_check_counts(const struct mpi_comm *c, const int *counts, const int *displs,
                      int need_displs);
/* Types of the counts[i] > 0 entries valid. */
int coll_check_types(const struct mpi_comm *c, const int *counts, const MPI_Datatype *types);
/* Sum of counts[0..c->size-1]; MPI_ERR_COUNT in *err_p when > INT_MAX. */
int coll_sum_counts(const struct mpi_comm *c, const int *counts, int *err_p);
/* Checks of a rooted collective with one block per rank (Gather(v),
 * Scatter(v)): the root (MPI_ERR_ROOT); the local block, MPI_IN_PLACE only
 * at the root (MPI_ERR_BUFFER); at the root, the root's buffer: `count` per
 * rank (v == 0; count * size within int) or, for the v variants, counts[i]
 * at displs[i] (both arrays present: MPI_ERR_ARG), and not the local buffer
 * (MPI_ERR_BUFFER). */
int coll_check_rooted(const struct mpi_comm *c, int root, const void *local, int lcount,
                      MPI_Datatype ldt, const void *rootbuf, int v, const int *counts,
                      const int *displs, int count, MPI_Datatype rdt);
/* Checks of the families whose blocking call, nonblocking call and
 * persistent init share them (same classes on all three). */
/* Scan and Exscan: recvbuf/count/dt, the operation, sendbuf set and not
 * aliasing recvbuf. */
int scan_check(const struct mpi_comm *c, const void *sendbuf, const void *recvbuf, int count,
               MPI_Datatype dt, MPI_Op op);
/* Reduce_scatter(_block): counts NULL for the block form; *total_p gets the
 * vector length. */
int rs_check(const struct mpi_comm *c, const void *sendbuf, const void *recvbuf, const int *counts,
             int count, MPI_Datatype dt, MPI_Op op, int *total_p);
/* One side of an Alltoallv (types NULL, `type` for all) or Alltoallw
 * (w != 0, per-peer types) exchange: counts, displacements, types, buffer. */
int alltoall_check_side(const struct mpi_comm *c, const void *buf, const int *counts,
                        const int *displs, const MPI_Datatype *types, MPI_Datatype type, int w);
/* Nonblocking and persistent calls: mpi_enter, the communicator (an
 * intracommunicator; intercommunicators dispatch before this), and the
 * request pointer (MPI_ERR_ARG). */
int coll_nb_enter(MPI_Comm comm, const MPI_Request *request, struct mpi_rank_state **s_p,
                  struct mpi_comm **c_p);
/* A new schedule on c, or NULL with *err_p = -ENOMEM. */
struct mpi_sched *coll_nb_new(struct mpi_comm *c, int *err_p);
/* Hands sc to *h_p: started (nonblocking call, persistent 0) or kept
 * inactive for MPI_Start (persistent init, persistent 1). */
int coll_launch(struct mpi_rank_state *s, struct mpi_sched *sc, int persistent, MPI_Request *h_p);
/* Runs sc (NULL: the schedule could not be made, -ENOMEM). */
int coll_run(struct mpi_sched *sc);

#pragma GCC visibility pop

#endif /* COLL_SCHED_H */
