! fort_ext.f90: our extensions from Fortran (include 'mpix.h'), each result
! checked: MPIX_CLUSTER_SELF/COUNT, MPIX_SPARE_COUNT against the job's
! shape, MPI_MIGRATETO to a bad cluster and to the rank's own cluster
! (MPI_ERR_ARG, the rank stays), MPI_MIGRATETO(MPIX_ANY_SPARE) by the last
! rank (its cluster changes, one spare fewer... and one more: the cluster it
! left), and MPIX_MIGRATION_STATS after it (one move, bytes sent).
! Attributes through MPICH's Fortran bindings (our MPII_ entry points):
! MPI_COMM_GET_ATTR and MPI-1 MPI_ATTR_GET of MPI_TAG_UB give the value
! (not C's pointer); a key made by MPI_COMM_CREATE_KEYVAL with Fortran
! callbacks copies value+extra_state on MPI_COMM_DUP and counts its deletes;
! MPI_FILE_OPEN is refused with MPI_ERR_UNSUPPORTED_OPERATION.
! Run on N ranks with S spares; prints "fort_ext: OK N ranks S spares".
module fort_ext_callbacks
  implicit none
  integer :: deletes = 0
end module fort_ext_callbacks

subroutine add_extra_copy(oldcomm, keyval, extra, valin, valout, flag, ierr)
  use mpi
  implicit none
  integer :: oldcomm, keyval, ierr
  integer(kind=MPI_ADDRESS_KIND) :: extra, valin, valout
  logical :: flag
  valout = valin + extra
  flag = .true.
  ierr = MPI_SUCCESS
end subroutine add_extra_copy

subroutine count_delete(comm, keyval, val, extra, ierr)
  use mpi
  use fort_ext_callbacks
  implicit none
  integer :: comm, keyval, ierr
  integer(kind=MPI_ADDRESS_KIND) :: val, extra
  deletes = deletes + 1
  ierr = MPI_SUCCESS
end subroutine count_delete

program fort_ext
  use mpi
  use fort_ext_callbacks
  implicit none
  include 'mpix.h'
  external add_extra_copy, count_delete
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
  call check_attributes()
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

  subroutine check_attributes()
    integer(kind=MPI_ADDRESS_KIND) :: aval, extra
    integer :: ival, keyval, dup, fh
    logical :: flag
    call MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, aval, flag, ierr)
    call expect(ierr == MPI_SUCCESS .and. flag .and. aval >= 32767, 'MPI_TAG_UB (address kind)')
    call MPI_Attr_get(MPI_COMM_WORLD, MPI_TAG_UB, ival, flag, ierr)
    call expect(ierr == MPI_SUCCESS .and. flag .and. ival == aval, 'MPI_TAG_UB (MPI_ATTR_GET)')
    extra = 1000
    call MPI_Comm_create_keyval(add_extra_copy, count_delete, keyval, extra, ierr)
    call expect(ierr == MPI_SUCCESS, 'MPI_COMM_CREATE_KEYVAL')
    aval = 42 + rank
    call MPI_Comm_set_attr(MPI_COMM_WORLD, keyval, aval, ierr)
    aval = -1
    call MPI_Comm_get_attr(MPI_COMM_WORLD, keyval, aval, flag, ierr)
    call expect(flag .and. aval == 42 + rank, 'user attribute read back')
    call MPI_Comm_dup(MPI_COMM_WORLD, dup, ierr)
    aval = -1
    call MPI_Comm_get_attr(dup, keyval, aval, flag, ierr)
    call expect(flag .and. aval == 1042 + rank, 'attribute copied by the Fortran copy callback')
    deletes = 0
    call MPI_Comm_free(dup, ierr)
    call expect(deletes == 1, 'Fortran delete callback at MPI_COMM_FREE')
    call MPI_Comm_delete_attr(MPI_COMM_WORLD, keyval, ierr)
    call expect(deletes == 2, 'Fortran delete callback at MPI_COMM_DELETE_ATTR')
    call MPI_Comm_free_keyval(keyval, ierr)
    call expect(ierr == MPI_SUCCESS .and. keyval == MPI_KEYVAL_INVALID, 'MPI_COMM_FREE_KEYVAL')
    call MPI_File_open(MPI_COMM_WORLD, 'nofile', MPI_MODE_RDONLY, MPI_INFO_NULL, fh, ierr)
    call MPI_Error_class(ierr, cls, ierr)
    call expect(cls == MPI_ERR_UNSUPPORTED_OPERATION, 'class of MPI_FILE_OPEN')
  end subroutine check_attributes

  subroutine expect(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) return
    nerr = nerr + 1
    write (line, '(a,i0,2a)') 'fort_ext: rank ', rank, ': wrong ', what
    write (*, *) trim(line)
  end subroutine expect

end program fort_ext
