/* comm_attr_compat.c: the MPI-1 names of the attribute calls (Keyval_create,
 * Keyval_free, Attr_put, Attr_get, Attr_delete), still in MPICH's mpi.h.
 *
 * They are the MPI-2 calls under their old names (the callback types have
 * the same signatures), so each forwards to its PMPI_Comm_ counterpart;
 * errors are reported under the new name.
 */
#include <mpi.h>
#include "mpi_thread.h"

#pragma weak MPI_Keyval_create = PMPI_Keyval_create
#pragma weak MPI_Keyval_free = PMPI_Keyval_free
#pragma weak MPI_Attr_put = PMPI_Attr_put
#pragma weak MPI_Attr_get = PMPI_Attr_get
#pragma weak MPI_Attr_delete = PMPI_Attr_delete

int PMPI_Keyval_create(MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn, int *keyval,
                       void *extra_state)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_create_keyval(copy_fn, delete_fn, keyval, extra_state);
}

int PMPI_Keyval_free(int *keyval)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_free_keyval(keyval);
}

int PMPI_Attr_put(MPI_Comm comm, int keyval, void *attribute_val)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_set_attr(comm, keyval, attribute_val);
}

int PMPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_get_attr(comm, keyval, attribute_val, flag);
}

int PMPI_Attr_delete(MPI_Comm comm, int keyval)
{
    MPI_THREAD_GUARD();
    return PMPI_Comm_delete_attr(comm, keyval);
}
