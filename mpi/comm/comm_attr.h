/* comm_attr.h: communicator attributes and their keys (comm_attr.c).
 *
 * The keyval table and attribute lists are shared by every object kind
 * (mpi_attr.h); each communicator keeps its list in c->attrs.
 */
#ifndef COMM_ATTR_H
#define COMM_ATTR_H

#include <mpi.h>
#include "mpi_attr.h"

#pragma GCC visibility push(hidden)

struct mpi_comm;
struct mpi_rank_state;

/* Runs the copy callbacks of old's attributes into new (MPI_Comm_dup).
 * Returns MPI_SUCCESS or the first callback's error. */
int mpi_attr_copy_all(struct mpi_rank_state *s, struct mpi_comm *old, struct mpi_comm *new);

/* Runs the delete callbacks of every attribute of c, last set first, and
 * drops them. Returns MPI_SUCCESS or the first callback's error (the others
 * still run). */
int mpi_attr_delete_all(struct mpi_rank_state *s, struct mpi_comm *c);

#pragma GCC visibility pop

#endif /* COMM_ATTR_H */
