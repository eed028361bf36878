/* mpi_op.h: reduction operations: the predefined ones (mpi_op.c) and those
 * made by MPI_Op_create (mpi_op_user.c).
 *
 * Predefined operations are constant kernels per datatype family (dtype.h's
 * enum mpi_type_family); derived datatypes of one basic type go through
 * dtype_reduce.c. User operations live in a table of the root object
 * (mpi_state.h), handles MPI_OP_USER_HANDLE | index, reference counted so
 * that MPI_Op_free during a pending collective leaves the function in place.
 * Checks return MPI_SUCCESS or MPI_ERR_OP; predicates return non-zero for
 * true.
 */
#ifndef MPI_OP_H
#define MPI_OP_H

#include <stddef.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

struct mpi_rank_state;

/* mpi_op.c ----------------------------------------------------------------- */

/* inout[i] = in[i] op inout[i] for n elements. */
typedef void (*mpi_op_kernel_t)(const void *in, void *inout, size_t n);

/* Non-zero when op is a predefined operation handle. */
int mpi_op_valid(MPI_Op op);

/* Non-zero when op is commutative (every predefined operation is). */
int mpi_op_commutative(MPI_Op op);

/* MPI_SUCCESS when op is defined on dt for reductions, else MPI_ERR_OP
 * (MPI_REPLACE and MPI_NO_OP are accumulate-only and refused here). */
int mpi_op_check_reduce(MPI_Op op, MPI_Datatype dt);

/* inout = in op inout on count items of dt (any valid pair, including
 * MPI_REPLACE and MPI_NO_OP). Returns MPI_SUCCESS or MPI_ERR_OP. */
int mpi_op_apply(MPI_Op op, MPI_Datatype dt, const void *in, void *inout, size_t count);

/* mpi_op_user.c: operations made by MPI_Op_create, handles
 * MPI_OP_USER_HANDLE | index, kept in the root object. */
#define MPI_OP_USER_HANDLE ((int)0x98000000)

/* Non-zero when op has the shape of a user operation handle. */
int mpi_op_is_user(MPI_Op op);

/* MPI_SUCCESS when op is a live user operation (usable on every datatype),
 * else MPI_ERR_OP. */
int mpi_op_user_check(MPI_Op op);

/* Non-zero when the live user operation op is commutative. */
int mpi_op_user_commutative(MPI_Op op);

/* Calls the user function of op: inout = in op inout on count items.
 * Returns MPI_SUCCESS, or MPI_ERR_OP when op is no user operation in use. */
int mpi_op_user_apply(MPI_Op op, MPI_Datatype dt, const void *in, void *inout, size_t count);

/* Counts one more (delta > 0) or one less user of user operation op, so
 * MPI_Op_free during a pending collective leaves the function in place. */
void mpi_op_user_ref(MPI_Op op, int delta);

/* Frees the table at MPI_Finalize. */
void mpi_op_user_teardown(struct mpi_rank_state *s);

#pragma GCC visibility pop

#endif /* MPI_OP_H */
