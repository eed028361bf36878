/* comm_group.h: groups, the ordered lists of world ranks behind MPI_Group.
 *
 * Groups live in a table of the root object (mpi_state.h), so they migrate
 * with the rank, and are named by MPICH's handle form 0x88000000 | index;
 * MPI_GROUP_EMPTY is a builtin handle for a constant empty group
 * (comm_group.c; groups made from groups are in comm_group_ops.c).
 */
#ifndef COMM_GROUP_H
#define COMM_GROUP_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Group handles (MPICH's encoding): MPI_GROUP_EMPTY is builtin, groups
 * created later are 0x88000000 | index into the group table. */
#define MPI_GROUP_HANDLE_DIRECT ((int)0x88000000)
#define MPI_GROUP_HANDLE_INDEX  0x03ffffff

struct mpi_group {
    int size;   /* number of members */
    int *ranks; /* ranks[i] = world rank of group rank i */
};

struct mpi_rank_state;

/* The group behind handle h (MPI_GROUP_EMPTY included), or NULL. */
const struct mpi_group *mpi_group_get(struct mpi_rank_state *s, MPI_Group h);

/* Makes a group of n world ranks (copied) and returns its handle in *h_p
 * (MPI_GROUP_EMPTY when n == 0). Returns MPI_SUCCESS or -ENOMEM. */
int mpi_group_new(struct mpi_rank_state *s, const int *ranks, int n, MPI_Group *h_p);

/* Rank of world rank w in g, or MPI_UNDEFINED. */
int mpi_group_rank_of(const struct mpi_group *g, int w);

/* MPI_IDENT, MPI_SIMILAR or MPI_UNEQUAL for two rank lists. */
int mpi_group_cmp(const int *a, int na, const int *b, int nb);

/* Releases every group (MPI_Finalize). */
void mpi_group_teardown(struct mpi_rank_state *s);

#pragma GCC visibility pop

#endif /* COMM_GROUP_H */
