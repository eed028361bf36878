! fort_ext.f90: our extensions from Fortran (include 'mpix.h'), each result
! checked: MPIX_CLUSTER_SELF/COUNT, MPIX_SPARE_COUNT against the job's
! shape, MPI_MIGRATETO to a bad cluster and to the rank's own cluster
! (MPI_ERR_ARG, the rank stays), MPI_MIGRATETO(MPIX_ANY_SPARE) by the last
! rank (its cluster changes, one spare fewer... and one more: the cluster it
! left), and MPIX_MIGRATION_STATS after it (one move, bytes sent).
! Run on N ranks with S spares; prints "fort_ext: OK N ranks S spares".
program fort_ext
  use mpi
  implicit none
  include 'mpix.h'
  integer :: ierr, rank, nprocs, c0, c1, nclusters, nspares, cls, moves, nerr, total
  integer(kind=8) :: bytes
  double precision :: times(5)
  character(len=128) :: line

  nerr = 0
  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nprocs, ierr)
  call MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN, ierr)
  call MPIX_Cluster_self(c0, ierr)
  call expect(ierr == MPI_SUCCESS .and. c0 == rank, 'MPIX_CLUSTER_SELF at start')
  call MPIX_Cluster_count(nclusters, ierr)
  call MPIX_Spare_count(nspares, ierr)
  call expect(ierr == MPI_SUCCESS .and. nclusters == nprocs + nspares, 'cluster and spare counts')
  call MPI_Migrateto(nclusters + 5, ierr)
  call MPI_Error_class(ierr, cls, ierr)
  call expect(cls == MPI_ERR_ARG, 'class of MPI_MIGRATETO to a missing cluster')
  call MPI_Migrateto(c0, ierr)
  call MPI_Error_class(ierr, cls, ierr)
  call expect(cls == MPI_ERR_ARG, 'class of MPI_MIGRATETO to its own cluster')
  call MPIX_Cluster_self(c1, ierr)
  call expect(c1 == c0, 'cluster after refused moves')
  call MPI_Barrier(MPI_COMM_WORLD, ierr)
  if (rank == nprocs - 1 .and. nspares > 0) then
    call MPI_Migrateto(MPIX_ANY_SPARE, ierr)
    call expect(ierr == MPI_SUCCESS, 'MPI_MIGRATETO(MPIX_ANY_SPARE)')
    call MPIX_Cluster_self(c1, ierr)
    call expect(c1 /= c0 .and. c1 >= nprocs, 'cluster after the move')
    call MPIX_Migration_stats(times, bytes, moves, ierr)
    call expect(ierr == MPI_SUCCESS .and. moves == 1 .and. bytes > 0, 'MPIX_MIGRATION_STATS')
  end if
  call MPI_Barrier(MPI_COMM_WORLD, ierr)
  call MPIX_Spare_count(c1, ierr)
  call expect(c1 == nspares, 'spares after the move (one taken, one left)')
  call MPI_Allreduce(nerr, total, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  if (rank == 0 .and. total == 0) then
    write (line, '(a,i0,a,i0,a)') 'fort_ext: OK ', nprocs, ' ranks ', nspares, ' spares'
    write (*, *) trim(line)
  end if
  call MPI_Finalize(ierr)
  if (total /= 0) stop 1

contains

  subroutine expect(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) return
    nerr = nerr + 1
    write (line, '(a,i0,2a)') 'fort_ext: rank ', rank, ': wrong ', what
    write (*, *) trim(line)
  end subroutine expect

end program fort_ext
