/* fort_data.c: the data symbols of MPICH's ABI that Fortran bindings import.
 *
 * Debian's libmpichfort.so.12 (the Fortran bindings of mpif.h and the `mpi`
 * module) refers to six objects of libmpich.so.12 by name; without them it
 * cannot even be loaded. Their types and initial values are MPICH's:
 *
 * - MPI_UNWEIGHTED and MPI_WEIGHTS_EMPTY are constant pointers to two
 *   distinct ints, compared by address only (the topology calls recognise
 *   them); the Fortran bindings translate their own sentinels to these.
 * - MPI_F_STATUS_IGNORE and MPI_F_STATUSES_IGNORE start NULL: libmpichfort
 *   points them at its Fortran MPI_STATUS(ES)_IGNORE arrays when it first
 *   initialises (mpirinitc_, once per process, lazily: a rank that moved
 *   re-runs it in the new process, where the addresses are the same since
 *   every process of a job runs without address randomisation).
 * - MPI_F08_STATUS_IGNORE and MPI_F08_STATUSES_IGNORE point at two
 *   MPI_F08_status objects that only serve as markers.
 *
 * These are process globals, not rank state: they hold the same value in
 * every process of the job, so a rank finds them right wherever it moves.
 */
#include <mpi.h>

int MPIR_C_MPI_UNWEIGHTED;
int MPIR_C_MPI_WEIGHTS_EMPTY;
int *const MPI_UNWEIGHTED = &MPIR_C_MPI_UNWEIGHTED;
int *const MPI_WEIGHTS_EMPTY = &MPIR_C_MPI_WEIGHTS_EMPTY;

MPI_Fint *MPI_F_STATUS_IGNORE;
MPI_Fint *MPI_F_STATUSES_IGNORE;

MPI_F08_status MPIR_F08_MPI_STATUS_IGNORE_OBJ;
MPI_F08_status MPIR_F08_MPI_STATUSES_IGNORE_OBJ[1];
int MPIR_F08_MPI_IN_PLACE;
int MPIR_F08_MPI_BOTTOM;
MPI_F08_status *MPI_F08_STATUS_IGNORE = &MPIR_F08_MPI_STATUS_IGNORE_OBJ;
MPI_F08_status *MPI_F08_STATUSES_IGNORE = MPIR_F08_MPI_STATUSES_IGNORE_OBJ;
