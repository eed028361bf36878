! fort_via.f90: moves through a checkpoint file from Fortran (include
! 'mpix.h': MPIX_MIGRATETO_CHECKPOINT and MPIX_MIGRATETO_MODE beside
! MPI_MIGRATETO).
! Usage: fort_via DIR MODE, MODE none (no move) or move: the last rank
! moves every round, live in rounds 1 and 5, pre-copy in rounds 3 and 7
! (MPIX_MIGRATETO_MODE) and through a checkpoint file in DIR in even ones
! (all blanks: the default directory in round 4). An unknown mode gives
! MPI_ERR_ARG and the rank stays. Each
! rank keeps an array that a ring exchange mixes for 8 rounds, with the
! exchange's messages in flight while the mover moves. A directory that
! does not exist gives MPI_ERR_IO and the rank stays. Rank 0 prints the
! bits of the job-wide sum (bit for bit comparable between runs) and
! "fort_via: OK".
program fort_via
  use mpi
  implicit none
  include 'mpix.h'
  integer, parameter :: n = 4096, rounds = 8
  double precision :: a(n), b(n), part, total
  integer :: ierr, rank, nprocs, round, nerr, errs, cls, c0, c1, req(2)
  character(len=512) :: dir
  character(len=16) :: mode
  character(len=160) :: line

  nerr = 0
  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nprocs, ierr)
  call MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN, ierr)
  call get_command_argument(1, dir)
  call get_command_argument(2, mode)
  a = [(dble(rank * n + round), round = 1, n)]
  if (mode == 'move' .and. rank == nprocs - 1) then
    call MPIX_Cluster_self(c0, ierr)
    call MPIX_Migrateto_checkpoint(MPIX_ANY_SPARE, '/nonexistent/fort_via', ierr)
    call MPI_Error_class(ierr, cls, ierr)
    call MPIX_Cluster_self(c1, ierr)
    call expect(cls == MPI_ERR_IO .and. c1 == c0, 'refusal of a missing directory')
    call MPIX_Migrateto_mode(MPIX_ANY_SPARE, 'sideways', ierr)
    call MPI_Error_class(ierr, cls, ierr)
    call MPIX_Cluster_self(c1, ierr)
    call expect(cls == MPI_ERR_ARG .and. c1 == c0, 'refusal of an unknown mode')
  end if
  do round = 1, rounds
    call MPI_Irecv(b, n, MPI_DOUBLE_PRECISION, mod(rank + nprocs - 1, nprocs), round, &
                   MPI_COMM_WORLD, req(1), ierr)
    call MPI_Isend(a, n, MPI_DOUBLE_PRECISION, mod(rank + 1, nprocs), round, &
                   MPI_COMM_WORLD, req(2), ierr)
    if (mode == 'move' .and. rank == nprocs - 1) call move(round)
    call MPI_Waitall(2, req, MPI_STATUSES_IGNORE, ierr)
    call expect(ierr == MPI_SUCCESS, 'exchange')
    a = a * 0.5d0 + b * 0.25d0 + sqrt(dble(round + rank))
  end do
  part = sum(a)
  call MPI_Reduce(part, total, 1, MPI_DOUBLE_PRECISION, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
  call MPI_Allreduce(nerr, errs, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  if (rank == 0) then
    write (line, '(a,z16.16)') 'fort_via: sum bits ', transfer(total, 0_8)
    write (*, *) trim(line)
    if (errs == 0) write (*, *) 'fort_via: OK'
  end if
  call MPI_Finalize(ierr)
  if (errs /= 0) stop 1

contains

  subroutine move(round)
    integer, intent(in) :: round
    call MPIX_Cluster_self(c0, ierr)
    if (mod(round, 4) == 1) then
      call MPI_Migrateto(MPIX_ANY_SPARE, ierr)
    else if (mod(round, 4) == 3) then
      call MPIX_Migrateto_mode(MPIX_ANY_SPARE, 'precopy ', ierr)
    else if (round == 4) then
      call MPIX_Migrateto_checkpoint(MPIX_ANY_SPARE, '   ', ierr)
    else
      call MPIX_Migrateto_checkpoint(MPIX_ANY_SPARE, trim(dir), ierr)
    end if
    call MPIX_Cluster_self(c1, ierr)
    call expect(ierr == MPI_SUCCESS .and. c1 /= c0, 'move')
  end subroutine move

  subroutine expect(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) return
    nerr = nerr + 1
    write (line, '(a,i0,2a)') 'fort_via: rank ', rank, ': wrong ', what
    write (*, *) trim(line)
  end subroutine expect

end program fort_via
