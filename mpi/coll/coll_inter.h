/* coll_inter.h: collectives on intercommunicators, private to coll/
 * (coll_inter_rooted.c, coll_inter_all.c).
 *
 * Each collective entry point dispatches here when its communicator has a
 * remote group (comm.h); the builders below check their own arguments (the
 * buffers that matter depend on which group a rank is in and on MPI_ROOT /
 * MPI_PROC_NULL) and build one schedule (coll_sched.h), which the entry
 * point runs (blocking call), starts (I-variant) or keeps (persistent
 * variant). Each builder returns MPI_SUCCESS with the schedule in *sc_p, or
 * an MPI error class or < 0 and no schedule. Steps between the two groups name remote ranks; steps
 * of a local phase are built with sc->local set, so the intracommunicator builders
 * (sched_reduce_tree, sched_bcast, sched_barrier) run unchanged over the local group. A schedule
 * owns its scratch memory and moves with the rank like any other.
 */
#ifndef COLL_INTER_H
#define COLL_INTER_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_sched;

/* The per-rank blocks of a buffer: block i holds counts[i] (or count)
 * items of types[i] (or dt) at displs[i] items of dt (bytes when types is
 * set; without displs, block i starts at i * count items). */
struct coll_inter_blocks {
    void *buf;
    int count;
    MPI_Datatype dt;
    const int *counts;
    const int *displs;
    const MPI_Datatype *types;
};

/* Block i of b: its address, count and type. */
void coll_inter_block(const struct coll_inter_blocks *b, int i, void **addr_p, int *count_p,
                      MPI_Datatype *dt_p);

/* Checks b for n ranks: arrays present (MPI_ERR_ARG), counts >= 0
 * (MPI_ERR_COUNT), types valid where used (MPI_ERR_TYPE), buffer set when
 * some block is not empty (MPI_ERR_BUFFER). */
int coll_inter_check_blocks(const struct coll_inter_blocks *b, int n);

/* End of every builder below: NULL sc is -ENOMEM; else clears the local
 * flag, hands sc out in *sc_p and returns MPI_SUCCESS. */
int coll_inter_built(struct mpi_sched *sc, struct mpi_sched **sc_p);

/* What a blocking or I- entry point does with a builder's result: err if
 * set, else runs sc (req == NULL) or starts it as the request *req. A
 * persistent (*_init) entry point would keep sc instead. */
int coll_inter_go(int err, struct mpi_sched *sc, MPI_Request *req);

/* coll_inter_rooted.c */
int coll_inter_bcast(struct mpi_comm *c, void *buf, int count, MPI_Datatype dt, int root,
                     struct mpi_sched **sc_p);
int coll_inter_reduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                      MPI_Datatype dt, MPI_Op op, int root, struct mpi_sched **sc_p);
/* Gather(v): one block per remote rank at the root (rb), sb elsewhere. */
int coll_inter_gather(struct mpi_comm *c, const struct coll_inter_blocks *sb,
                      const struct coll_inter_blocks *rb, int root, struct mpi_sched **sc_p);
/* Scatter(v): one block per remote rank at the root (sb), rb elsewhere. */
int coll_inter_scatter(struct mpi_comm *c, const struct coll_inter_blocks *sb,
                       const struct coll_inter_blocks *rb, int root, struct mpi_sched **sc_p);

/* coll_inter_all.c */
int coll_inter_barrier(struct mpi_comm *c, struct mpi_sched **sc_p);
int coll_inter_allreduce(struct mpi_comm *c, const void *sendbuf, void *recvbuf, int count,
                         MPI_Datatype dt, MPI_Op op, struct mpi_sched **sc_p);
/* Allgather(v) (sb->counts NULL: the same block goes to every remote rank)
 * and Alltoall(v,w) (one send block per remote rank). */
int coll_inter_exchange(struct mpi_comm *c, const struct coll_inter_blocks *sb, int same_block,
                        const struct coll_inter_blocks *rb, struct mpi_sched **sc_p);
/* Reduce_scatter (counts) and Reduce_scatter_block (counts NULL, count). */
int coll_inter_reduce_scatter(struct mpi_comm *c, const void *sendbuf, void *recvbuf,
                              const int *counts, int count, MPI_Datatype dt, MPI_Op op,
                              struct mpi_sched **sc_p);

#pragma GCC visibility pop

#endif /* COLL_INTER_H */
