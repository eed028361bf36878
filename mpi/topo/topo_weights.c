/* topo_weights.c: the two marker addresses of distributed graph weights.
 *
 * MPICH's mpi.h declares MPI_UNWEIGHTED and MPI_WEIGHTS_EMPTY as constant
 * pointers the library defines: what matters is only that each is an
 * address no application array can have, so each points at its own
 * private object, never read nor written.
 */
#include <mpi.h>

static const int topo_unweighted_mark;
static const int topo_weights_empty_mark;

int *const MPI_UNWEIGHTED = (int *)&topo_unweighted_mark;
int *const MPI_WEIGHTS_EMPTY = (int *)&topo_weights_empty_mark;
