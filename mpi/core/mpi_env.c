/* mpi_env.c: environment inquiries (time, processor name, versions).
 *
 * These work before MPI_Init and after MPI_Finalize, as MPI allows for
 * MPI_Wtime, MPI_Wtick, MPI_Get_version and MPI_Get_library_version. Time
 * comes from the node layer's monotonic clock; it is not global across hosts
 * (MPI_WTIME_IS_GLOBAL is 0).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "mpi_error.h"
#include "nanvix.h"
#include "mpi_thread.h"

#pragma weak MPI_Wtime = PMPI_Wtime
#pragma weak MPI_Wtick = PMPI_Wtick
#pragma weak MPI_Get_processor_name = PMPI_Get_processor_name
#pragma weak MPI_Get_version = PMPI_Get_version
#pragma weak MPI_Get_library_version = PMPI_Get_library_version

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

double PMPI_Wtime(void)
{
    MPI_THREAD_GUARD();
    return knode_wtime();
}

double PMPI_Wtick(void)
{
    MPI_THREAD_GUARD();
    struct timespec res;

    if (clock_getres(CLOCK_MONOTONIC, &res) != 0)
        return 1e-6;
    return (double)res.tv_sec + (double)res.tv_nsec * 1e-9;
}

int PMPI_Get_processor_name(char *name, int *resultlen)
{
    MPI_THREAD_GUARD();
    if (!name || !resultlen)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Get_processor_name");
    if (knode_get_name(name, MPI_MAX_PROCESSOR_NAME) < 0)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_OTHER, "MPI_Get_processor_name");
    name[MPI_MAX_PROCESSOR_NAME - 1] = '\0';
    *resultlen = (int)strlen(name);
    return MPI_SUCCESS;
}

int PMPI_Get_version(int *version, int *subversion)
{
    MPI_THREAD_GUARD();
    if (!version || !subversion)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Get_version");
    *version = MPI_VERSION;
    *subversion = MPI_SUBVERSION;
    return MPI_SUCCESS;
}

int PMPI_Get_library_version(char *version, int *resultlen)
{
    MPI_THREAD_GUARD();
    int n;

    if (!version || !resultlen)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Get_library_version");
    n = snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING,
                 "nanvix-mpi %s (MPICH ABI compatible: MPICH %s mpi.h, libmpi.so.12; "
                 "ranks migrate between clusters)",
                 PACKAGE_VERSION, MPICH_VERSION);
    *resultlen = n < MPI_MAX_LIBRARY_VERSION_STRING ? n : MPI_MAX_LIBRARY_VERSION_STRING - 1;
    return MPI_SUCCESS;
}
