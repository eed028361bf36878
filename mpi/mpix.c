/* mpix.c: home of our MPIX_ extensions (migration calls come with rank-migrate).
 *
 * Nothing is exported yet; MPI_Migrateto and the MPIX_ queries will be
 * defined here, on top of rank-migrate's public header, with the same
 * PMPI_/weak-alias pattern as the standard functions.
 */
#include "mpi_impl.h"
