/* fort_grequest.c: MPII_Grequest_set_lang_f77, which MPICH's Fortran
 * bindings call right after MPI_Grequest_start to say that the request's
 * query, free and cancel callbacks are Fortran procedures (every argument
 * by reference).
 *
 * Generalized requests are not in this build's request layer yet, so
 * MPI_Grequest_start has already failed when a program gets here; the call
 * logs that the request's callbacks would be called the C way, so that a
 * later implementation of generalized requests cannot miss it.
 */
#include <mpi.h>
#include "base.h"
#include "mpi_thread.h"

#pragma GCC visibility push(default)
void MPII_Grequest_set_lang_f77(MPI_Request greq);
#pragma GCC visibility pop

void MPII_Grequest_set_lang_f77(MPI_Request greq)
{
    MPI_THREAD_GUARD();
    base_log(BASE_LOG_WARN, "mpi",
             "request %#x: Fortran callbacks of generalized requests are not supported", greq);
}
