/* comm_attr.h: communicator attributes and their keys (comm_attr.c).
 *
 * Keyvals live in a table of the root object (mpi_state.h), handles
 * MPICH's "direct keyval of a communicator" form; each communicator keeps
 * its attributes in a list, in the order they were set. A keyval slot
 * counts one reference for its handle and one per attribute that uses it.
 */
#ifndef COMM_ATTR_H
#define COMM_ATTR_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Communicator keyvals: MPICH's "direct keyval of a communicator" form. */
#define MPI_KEYVAL_HANDLE_DIRECT ((int)0xa4400000)
#define MPI_KEYVAL_HANDLE_INDEX  0x003fffff

struct mpi_keyval {
    MPI_Comm_copy_attr_function *copy;  /* NULL: MPI_COMM_NULL_COPY_FN */
    MPI_Comm_delete_attr_function *del; /* NULL: MPI_COMM_NULL_DELETE_FN */
    void *extra;                        /* extra_state given at creation */
    int refs;  /* handle (until freed) + attributes using it; 0: slot free */
    int freed; /* MPI_Comm_free_keyval called: the handle is invalid */
};

struct mpi_comm;
struct mpi_rank_state;

/* Runs the copy callbacks of old's attributes into new (MPI_Comm_dup).
 * Returns MPI_SUCCESS or the first callback's error. */
int mpi_attr_copy_all(struct mpi_rank_state *s, struct mpi_comm *old, struct mpi_comm *new);

/* Runs the delete callbacks of every attribute of c and drops them.
 * Returns MPI_SUCCESS or the first callback's error (the others still run). */
int mpi_attr_delete_all(struct mpi_rank_state *s, struct mpi_comm *c);

/* Releases the keyval table (MPI_Finalize). */
void mpi_keyval_teardown(struct mpi_rank_state *s);

#pragma GCC visibility pop

#endif /* COMM_ATTR_H */
