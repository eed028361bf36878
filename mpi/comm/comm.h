/* comm.h: communicators: the struct behind an MPI_Comm and its table.
 *
 * The table lives in the root object (mpi_state.h) and maps a handle's index
 * bits to a struct mpi_comm (comm_table.c); communicators are made and freed
 * in comm_create.c, their groups are in comm_group.h, their attributes in
 * comm_attr.h. Each communicator owns two cv context ids, an even one for
 * point-to-point and the next odd one for collectives, and its group as an
 * array of world ranks.
 *
 * An intercommunicator (comm_inter.c) is the same struct with a remote group:
 * rank, size and group describe the local group (what Comm_rank/size/group
 * answer), and communicator ranks given to point-to-point calls and to the
 * collective steps name the remote group, so mpi_comm_to_world/from_world
 * translate through `remote`. Collective steps inside the local group carry
 * MPI_COMM_LOCAL_PEER in the rank; they share the collective context with
 * the cross-group traffic, which is safe because the two groups are
 * disjoint: the sender's world rank tells the two kinds of message apart.
 */
#ifndef COMM_H
#define COMM_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Handle encodings (MPICH's): builtin comms are 0x44000000 | index, the ones
 * created later are 0x84000000 | index, both indexing the comm table. */
#define MPI_COMM_HANDLE_BUILTIN 0x44000000
#define MPI_COMM_HANDLE_DIRECT  ((int)0x84000000)
#define MPI_COMM_HANDLE_INDEX   0x03ffffff

struct mpi_attr; /* comm_attr.c */
struct mpi_info; /* info.h */
struct mpi_topo; /* topo.h */
struct mpi_rank_state;

struct mpi_comm {
    MPI_Comm handle;     /* the application's handle for it */
    int rank;            /* this rank's number in the communicator */
    int size;            /* number of ranks */
    int *group;          /* group[i] = world rank of communicator rank i */
    int is_world;        /* group is the identity: no translation needed */
    int ctx;             /* cv context id of point-to-point traffic */
    int coll_ctx;        /* cv context id of collective traffic */
    MPI_Errhandler errh; /* error handler attached to the communicator */
    int refs;            /* handle + pending requests that point at it */
    unsigned sched_seq;  /* scheduled collectives started on it (tag source) */

    struct mpi_attr *attrs;         /* cached attributes, in the order set */
    char name[MPI_MAX_OBJECT_NAME]; /* MPI_Comm_set_name */
    struct mpi_info *hints;         /* info hints in use (comm_info.c), or NULL */
    struct mpi_topo *topo;          /* virtual topology (topo.h), or NULL */

    int *remote;     /* intercommunicators: remote[i] = world rank of remote rank i; else NULL */
    int remote_size; /* size of the remote group (0 for intracommunicators) */
};

/* Flag on a communicator rank: the rank names the local group of an
 * intercommunicator (collective steps of the local phase), not the remote one. */
#define MPI_COMM_LOCAL_PEER 0x40000000

/* comm_table.c ------------------------------------------------------------- */

/* Creates MPI_COMM_WORLD and MPI_COMM_SELF. Returns MPI_SUCCESS or < 0. */
int mpi_comm_setup(struct mpi_rank_state *s, int world_rank, int world_size);

/* Releases every communicator. */
void mpi_comm_teardown(struct mpi_rank_state *s);

/* The communicator behind handle h, or NULL when h is not a live handle. */
struct mpi_comm *mpi_comm_get(struct mpi_rank_state *s, MPI_Comm h);

/* Non-zero when c is an intercommunicator (has a remote group). */
int mpi_comm_is_inter(const struct mpi_comm *c);

/* World rank of communicator rank r (r valid, not a wildcard): a rank of
 * the remote group on an intercommunicator unless r carries MPI_COMM_LOCAL_PEER. */
int mpi_comm_to_world(const struct mpi_comm *c, int r);

/* Communicator rank of world rank w (remote group on an intercommunicator),
 * or MPI_UNDEFINED if not a member. */
int mpi_comm_from_world(const struct mpi_comm *c, int w);

/* comm_create.c ------------------------------------------------------------ */

/* Drops one reference to c; the last one releases it (attributes must have
 * been deleted already). */
void mpi_comm_unref(struct mpi_comm *c);

/* Releases c's memory and its error handler reference. */
void mpi_comm_destroy(struct mpi_rank_state *s, struct mpi_comm *c);

/* Makes the communicator of ranks[0..n) (world ranks, taken over) with
 * context ids ctx, ctx + 1 and parent's error handler, enters it in the
 * table, and returns it in *c_p. Returns MPI_SUCCESS or -ENOMEM (ranks is
 * freed then). */
int mpi_comm_new(struct mpi_rank_state *s, struct mpi_comm *parent, int *ranks, int n, int ctx,
                 struct mpi_comm **c_p);

/* Removes c from the table and drops the table's reference. */
void mpi_comm_drop(struct mpi_rank_state *s, struct mpi_comm *c);

/* comm_info.c -------------------------------------------------------------- */

/* Gives `to` a copy of the hints of `from` (MPI_Comm_dup keeps them). Returns
 * MPI_SUCCESS or -ENOMEM. */
int mpi_comm_hints_copy(const struct mpi_comm *from, struct mpi_comm *to);

/* Replaces c's hints by the ones of info (MPI_INFO_NULL: none) this library
 * recognises. Returns MPI_SUCCESS, MPI_ERR_INFO (not an info handle) or
 * -ENOMEM. */
int mpi_comm_hints_set(struct mpi_rank_state *s, struct mpi_comm *c, MPI_Info info);
/* Collective over c: the split of MPI_Comm_split (color MPI_UNDEFINED: no
 * communicator, *n_p NULL). Returns MPI_SUCCESS or < 0. */
int mpi_comm_split_build(struct mpi_rank_state *s, struct mpi_comm *c, int color, int key,
                         struct mpi_comm **n_p);
/* Makes the communicator of ranks[0..n) (world ranks, taken over) with
 * context ids ctx, ctx + 1 and parent's error handler, enters it in the
 * table, and returns it in *c_p. Returns MPI_SUCCESS or -ENOMEM (ranks is
 * freed then). */
int mpi_comm_new(struct mpi_rank_state *s, struct mpi_comm *parent, int *ranks, int n, int ctx,
                 struct mpi_comm **c_p);

/* Largest next_ctx (`mine` here) among the members of intracommunicator c,
 * in *max_p. Collective over c. Returns 0 or < 0. */
int mpi_comm_ctx_agree(struct mpi_comm *c, int mine, int *max_p);

/* comm_idup.c: what this rank contributes to a context-id agreement (its
 * next_ctx, or under MPI_THREAD_MULTIPLE an offer unique in the job), and
 * what it does with the agreed id ctx (next_ctx moves past an id below the
 * unique range). */
int mpi_comm_ctx_offer(struct mpi_rank_state *s);
void mpi_comm_ctx_taken(struct mpi_rank_state *s, int ctx);

/* Removes c from the table and drops the table's reference. */
void mpi_comm_drop(struct mpi_rank_state *s, struct mpi_comm *c);

/* comm_inter.c, comm_inter_make.c ------------------------------------------ */

/* Comm_dup, Comm_split and Comm_create of an intercommunicator c (arguments
 * checked). *n_p is NULL when this rank gets MPI_COMM_NULL. Collective over
 * both groups. Return MPI_SUCCESS, an MPI error class or < 0. */
int mpi_inter_dup(struct mpi_rank_state *s, struct mpi_comm *c, struct mpi_comm **n_p);
int mpi_inter_split(struct mpi_rank_state *s, struct mpi_comm *c, int color, int key,
                    struct mpi_comm **n_p);
int mpi_inter_create(struct mpi_rank_state *s, struct mpi_comm *c, MPI_Group group,
                     struct mpi_comm **n_p);

#pragma GCC visibility pop

#endif /* COMM_H */
