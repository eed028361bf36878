/* dtype_compat.c: the MPI-1 datatype calls removed in MPI-3 but still in
 * MPICH's mpi.h and still called by old codes (MPI_Type_struct,
 * MPI_Type_hindexed, MPI_Type_extent, MPI_Type_lb, MPI_Type_ub,
 * MPI_Address), with MPI_Get_address and MPI_Aint_add/diff, which replace
 * MPI_Address and address arithmetic.
 *
 * Each old call is its MPI-2 counterpart under the old name (MPI_Type_lb
 * and MPI_Type_ub read the bounds MPI_Type_get_extent gives); errors are
 * reported under the new name. MPI_LB and MPI_UB themselves are handled by
 * MPI_Type_create_struct (dtype_create.c). Addresses are plain virtual
 * addresses: a rank's container keeps its memory at the same addresses
 * wherever it moves, so an address taken before a migration stays valid.
 */
#include <stdint.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_struct = PMPI_Type_struct
#pragma weak MPI_Type_hindexed = PMPI_Type_hindexed
#pragma weak MPI_Type_extent = PMPI_Type_extent
#pragma weak MPI_Type_lb = PMPI_Type_lb
#pragma weak MPI_Type_ub = PMPI_Type_ub
#pragma weak MPI_Address = PMPI_Address
#pragma weak MPI_Get_address = PMPI_Get_address
#pragma weak MPI_Aint_add = PMPI_Aint_add
#pragma weak MPI_Aint_diff = PMPI_Aint_diff

int PMPI_Type_struct(int count, int array_of_blocklengths[], MPI_Aint array_of_displacements[],
                     MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    return PMPI_Type_create_struct(count, array_of_blocklengths, array_of_displacements,
                                   array_of_types, newtype);
}

int PMPI_Type_hindexed(int count, int array_of_blocklengths[], MPI_Aint array_of_displacements[],
                       MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    return PMPI_Type_create_hindexed(count, array_of_blocklengths, array_of_displacements, oldtype,
                                     newtype);
}

int PMPI_Type_extent(MPI_Datatype datatype, MPI_Aint *extent)
{
    MPI_THREAD_GUARD();
    MPI_Aint lb;

    return PMPI_Type_get_extent(datatype, &lb, extent);
}

int PMPI_Type_lb(MPI_Datatype datatype, MPI_Aint *displacement)
{
    MPI_THREAD_GUARD();
    MPI_Aint extent;

    return PMPI_Type_get_extent(datatype, displacement, &extent);
}

int PMPI_Type_ub(MPI_Datatype datatype, MPI_Aint *displacement)
{
    MPI_THREAD_GUARD();
    MPI_Aint lb, extent;
    int err = displacement ? PMPI_Type_get_extent(datatype, &lb, &extent)
                           : PMPI_Type_get_extent(datatype, &lb, NULL);

    if (!err)
        *displacement = lb + extent;
    return err;
}

int PMPI_Get_address(const void *location, MPI_Aint *address)
{
    MPI_THREAD_GUARD();
    if (!address)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Get_address");
    *address = (MPI_Aint)(uintptr_t)location;
    return MPI_SUCCESS;
}

int PMPI_Address(void *location, MPI_Aint *address)
{
    MPI_THREAD_GUARD();
    return PMPI_Get_address(location, address);
}

MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp)
{
    MPI_THREAD_GUARD();
    return (MPI_Aint)((uintptr_t)base + (uintptr_t)disp);
}

MPI_Aint PMPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2)
{
    MPI_THREAD_GUARD();
    return (MPI_Aint)((uintptr_t)addr1 - (uintptr_t)addr2);
}
