/* mpi_error.h: internal error codes, their translation to MPI error classes,
 * and the table of user error handlers.
 *
 * Inside mpi/ a function returns MPI_SUCCESS, a positive MPI error class, or
 * a negative code: a cv.h code, -errno, or one of MPI_IERR_* below.
 * mpi_error() is the one place where such a code becomes an MPI error class
 * and where the communicator's error handler runs (mpi_error.c). User
 * error handlers (MPI_Comm_create_errhandler) live in a fixed table of the
 * root object (mpi_state.h), handles MPI_ERRH_HANDLE_DIRECT | index.
 */
#ifndef MPI_ERROR_H
#define MPI_ERROR_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Internal negative codes (beyond cv.h's), translated by mpi_error(). */
#define MPI_IERR_NOT_INIT   (-2001) /* call before MPI_Init or after MPI_Finalize */
#define MPI_IERR_INIT_TWICE (-2002) /* MPI_Init called a second time */
#define MPI_IERR_TOO_MANY   (-2003) /* a handle table is full */

#define MPI_ERRH_HANDLE_DIRECT ((int)0x94000000)
#define MPI_ERRH_MAX           64

struct mpi_errh_slot {
    MPI_Comm_errhandler_function *fn; /* NULL when the slot is free */
    int refs;                         /* handle + communicators using it */
};

struct mpi_rank_state;

/* Translates code (an MPI class, a cv/errno code or MPI_IERR_*) into an MPI
 * error class, calls the error handler of comm (MPI_COMM_WORLD's when comm is
 * not a valid handle; fatal before MPI_Init) naming function fname, and
 * returns the class for the caller to return. MPI_SUCCESS passes through. */
int mpi_error(MPI_Comm comm, int code, const char *fname);

/* The MPI error class for an internal code (MPI_SUCCESS for 0). */
int mpi_error_class_of(int code);

/* Text for an internal code or an MPI error class; never NULL. */
const char *mpi_error_text(int code);

/* Non-zero when h is a predefined or live user error handler. */
int mpi_errh_valid(struct mpi_rank_state *s, MPI_Errhandler h);
void mpi_errh_ref(struct mpi_rank_state *s, MPI_Errhandler h);
void mpi_errh_unref(struct mpi_rank_state *s, MPI_Errhandler h);

#pragma GCC visibility pop

#endif /* MPI_ERROR_H */
