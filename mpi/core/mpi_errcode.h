/* mpi_errcode.h: error classes and codes added at run time (mpi_errcode.c).
 *
 * MPI_Add_error_class / MPI_Add_error_code make numbers above the
 * predefined classes (MPI_ERRCODE_DYN_BASE and up), each with an optional
 * string (MPI_Add_error_string); MPIX_Delete_error_* give them back, and a
 * later Add reuses the lowest free number. The table lives in the root
 * object (mpi_state.h), so it moves with the rank.
 */
#ifndef MPI_ERRCODE_H
#define MPI_ERRCODE_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* First number given to added classes and codes. */
#define MPI_ERRCODE_DYN_BASE (MPICH_ERR_LAST_MPIX + 1)

/* First of the predefined codes that carry a reason (mpi_error.c). */
#define MPI_ERRCODE_DETAIL_BASE (1 << 20)

struct mpi_errcode {
    int used;     /* 0: free number */
    int is_class; /* an error class (else a code of class cls) */
    int cls;      /* the class of a code (predefined or added) */
    char *string; /* MPI_Add_error_string's text, or NULL */
};

struct mpi_errcode_table {
    struct mpi_errcode *ents; /* ents[i] is number MPI_ERRCODE_DYN_BASE + i */
    int n;                    /* entries allocated */
};

struct mpi_rank_state;

/* The class of added code or class `code`, or -1 when it is not one (also
 * before MPI_Init). */
int mpi_errcode_class(int code);

/* The string of added code or class `code` ("" when none set), or NULL
 * when it is not one. */
const char *mpi_errcode_string(int code);

/* The largest number in use (MPI_LASTUSEDCODE). */
int mpi_errcode_last(struct mpi_rank_state *s);

/* Frees the table (MPI_Finalize). */
void mpi_errcode_teardown(struct mpi_rank_state *s);

#pragma GCC visibility pop

#endif /* MPI_ERRCODE_H */
