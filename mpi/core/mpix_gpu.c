/* mpix_gpu.c: MPICH's GPU-support queries (MPIX_GPU_query_support,
 * MPIX_Query_cuda/ze/hip_support), answered: none.
 *
 * nanvix-mpi moves ranks between processes by copying their container; a
 * device buffer cannot travel that way, so no GPU memory is ever accepted
 * as a buffer, and programs that ask (MPICH's Fortran bindings import these
 * calls) learn it here and keep their buffers in host memory.
 */
#include "mpi_error.h"
#include "mpi_thread.h"

#pragma weak MPIX_GPU_query_support = PMPIX_GPU_query_support
#pragma weak MPIX_Query_cuda_support = PMPIX_Query_cuda_support
#pragma weak MPIX_Query_ze_support = PMPIX_Query_ze_support
#pragma weak MPIX_Query_hip_support = PMPIX_Query_hip_support

/* Sets *is_supported to 0 for the three known GPU kinds; MPI_ERR_ARG for
 * another kind or a NULL pointer. */
int PMPIX_GPU_query_support(int gpu_type, int *is_supported)
{
    MPI_THREAD_GUARD();
    if (!is_supported || (gpu_type != MPIX_GPU_SUPPORT_CUDA && gpu_type != MPIX_GPU_SUPPORT_ZE &&
                          gpu_type != MPIX_GPU_SUPPORT_HIP))
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_GPU_query_support");
    *is_supported = 0;
    return MPI_SUCCESS;
}

int PMPIX_Query_cuda_support(void)
{
    MPI_THREAD_GUARD();
    return 0;
}

int PMPIX_Query_ze_support(void)
{
    MPI_THREAD_GUARD();
    return 0;
}

int PMPIX_Query_hip_support(void)
{
    MPI_THREAD_GUARD();
    return 0;
}
