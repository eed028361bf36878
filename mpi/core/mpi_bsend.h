/* mpi_bsend.h: buffered-mode sends and the attached buffer (mpi_bsend.c).
 *
 * MPI_Bsend copies the message into a heap block of the rank and starts a
 * standard cv send of the copy; the attached buffer only accounts for the
 * bytes that pending copies hold (len + MPI_BSEND_OVERHEAD each). The state
 * sits in the root object (mpi_state.h), so pending copies migrate with the
 * rank.
 */
#ifndef MPI_BSEND_H
#define MPI_BSEND_H

#include <stddef.h>
#include "cv.h"

#pragma GCC visibility push(hidden)

struct mpi_bsend_msg {
    cv_request_t *cv;           /* send of the copy */
    size_t len;                 /* bytes taken from the attached buffer */
    struct mpi_bsend_msg *next; /* pending list link */
};

struct mpi_bsend_state {
    void *buf;   /* attached buffer, NULL when none */
    size_t size; /* its size */
    size_t used; /* bytes accounted to pending messages */
    struct mpi_bsend_msg *pending;
};

struct mpi_comm;
struct mpi_rank_state;

/* Waits for every pending buffered send and forgets the attached buffer. */
void mpi_bsend_drain(struct mpi_rank_state *s);

/* Copies and starts one buffered send (arguments checked, dest not
 * MPI_PROC_NULL). Returns MPI_SUCCESS, MPI_ERR_BUFFER or < 0. */
int mpi_bsend_start(struct mpi_bsend_state *b, struct mpi_comm *c, const void *buf, size_t len,
                    int dest, int tag);

#pragma GCC visibility pop

#endif /* MPI_BSEND_H */
