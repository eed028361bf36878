/* errors.c: under MPI_ERRORS_RETURN, bad arguments give the right error
 * class and a non-empty error string, and the library keeps working.
 *
 * Each case is a row of a table: a call with one bad argument and the error
 * class it must return. Afterwards every rank still exchanges a message with
 * its neighbours, so an error path that corrupted library state is caught.
 */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "testhelp_mpi.h"

static int rank, size;
static int ibuf[4];

static int bad_dest_rank(void)
{
    return MPI_Send(ibuf, 1, MPI_INT, size, 0, MPI_COMM_WORLD);
}
static int negative_dest_rank(void)
{
    return MPI_Send(ibuf, 1, MPI_INT, -7, 0, MPI_COMM_WORLD);
}
static int bad_source_rank(void)
{
    return MPI_Recv(ibuf, 1, MPI_INT, size + 3, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}
static int negative_tag(void)
{
    return MPI_Send(ibuf, 1, MPI_INT, 0, -5, MPI_COMM_WORLD);
}
static int tag_above_ub(void)
{
    int *ub, flag = 0;

    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag);
    if (!flag || *ub == INT_MAX)
        return MPI_Send(ibuf, 1, MPI_INT, 0, -100, MPI_COMM_WORLD);
    return MPI_Send(ibuf, 1, MPI_INT, 0, *ub + 1, MPI_COMM_WORLD);
}
static int negative_count(void)
{
    return MPI_Send(ibuf, -1, MPI_INT, 0, 0, MPI_COMM_WORLD);
}
static int negative_recv_count(void)
{
    MPI_Request req;
    return MPI_Irecv(ibuf, -3, MPI_INT, 0, 0, MPI_COMM_WORLD, &req);
}
static int null_comm(void)
{
    return MPI_Send(ibuf, 1, MPI_INT, 0, 0, MPI_COMM_NULL);
}
static int null_comm_size(void)
{
    int n;
    return MPI_Comm_size(MPI_COMM_NULL, &n);
}
static int null_datatype(void)
{
    return MPI_Send(ibuf, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD);
}
static int null_datatype_recv(void)
{
    return MPI_Recv(ibuf, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}
static int bad_root(void)
{
    return MPI_Bcast(ibuf, 1, MPI_INT, size, MPI_COMM_WORLD);
}
static int null_op(void)
{
    return MPI_Allreduce(ibuf, ibuf + 2, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD);
}

struct error_case {
    int (*call)(void);
    const char *name;
    int cls;
};

static const struct error_case cases[] = {
    {bad_dest_rank, "Send to rank == size", MPI_ERR_RANK},
    {negative_dest_rank, "Send to rank -7", MPI_ERR_RANK},
    {bad_source_rank, "Recv from rank size + 3", MPI_ERR_RANK},
    {negative_tag, "Send with tag -5", MPI_ERR_TAG},
    {tag_above_ub, "Send with tag MPI_TAG_UB + 1", MPI_ERR_TAG},
    {negative_count, "Send with count -1", MPI_ERR_COUNT},
    {negative_recv_count, "Irecv with count -3", MPI_ERR_COUNT},
    {null_comm, "Send on MPI_COMM_NULL", MPI_ERR_COMM},
    {null_comm_size, "Comm_size of MPI_COMM_NULL", MPI_ERR_COMM},
    {null_datatype, "Send of MPI_DATATYPE_NULL", MPI_ERR_TYPE},
    {null_datatype_recv, "Recv of MPI_DATATYPE_NULL", MPI_ERR_TYPE},
    {bad_root, "Bcast from root == size", MPI_ERR_ROOT},
    {null_op, "Allreduce with MPI_OP_NULL", MPI_ERR_OP},
};

static void run_case(const struct error_case *c)
{
    char msg[MPI_MAX_ERROR_STRING];
    int err = c->call(), cls = -1, len = -1;

    CHECKF(err != MPI_SUCCESS, "%s: returned MPI_SUCCESS", c->name);
    MPI_CHECK(MPI_Error_class(err, &cls));
    CHECKF(cls == c->cls, "%s: error class %d, want %d", c->name, cls, c->cls);
    msg[0] = '\0';
    MPI_CHECK(MPI_Error_string(err, msg, &len));
    CHECKF(len > 0 && len < MPI_MAX_ERROR_STRING && strlen(msg) == (size_t)len,
           "%s: error string of length %d", c->name, len);
    if (rank == 0)
        printf("errors: %-32s -> class %d: %s\n", c->name, cls, msg);
}

/* After the errors: a neighbour exchange must still work. */
static void still_works(void)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size, got = -1;

    MPI_CHECK(MPI_Sendrecv(&rank, 1, MPI_INT, right, 7, &got, 1, MPI_INT, left, 7, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
    CHECKF(got == left, "got %d from left neighbour %d", got, left);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

int main(int argc, char **argv)
{
    int cls = -1, n = (int)(sizeof(cases) / sizeof(cases[0]));

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* Errors not tied to a valid communicator go to COMM_SELF's handler
     * (MPI-4) or COMM_WORLD's (MPI-3): make both return. */
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Error_class(MPI_SUCCESS, &cls));
    CHECK(cls == MPI_SUCCESS);
    for (int i = 0; i < n; i++)
        run_case(&cases[i]);
    still_works();
    if (rank == 0)
        printf("errors: OK %d cases\n", n);
    MPI_Finalize();
    return 0;
}
