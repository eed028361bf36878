! fort_ckpt.f90: checkpoint/restart and the cost model from Fortran
! (include 'mpix.h'): MPIX_CHECKPOINT, MPIX_MIGRATION_ESTIMATE,
! MPIX_MIGRATE_IF, each result checked.
! Usage: fort_ckpt DIR MODE, MODE none (no checkpoint), run (a checkpoint
! into DIR half-way, then on) or die (the same, then MPI_ABORT unless the
! call returned in a restarted job: `mpiexec --restart DIR` goes on).
! Each rank keeps an array that a ring exchange mixes for 10 rounds; the
! last rank moves to a spare before the checkpoint (when there is one)
! and after it. Before the checkpoint: the estimate of a move of the
! caller to a spare is positive, MPIX_MIGRATE_IF with no gain stays
! (.FALSE., same cluster), a bad cluster gives MPI_ERR_ARG, an empty
! directory MPI_ERR_ARG. Rank 0 prints the bits of the job-wide sum
! (bit for bit comparable between runs) and "fort_ckpt: OK".
program fort_ckpt
  use mpi
  implicit none
  include 'mpix.h'
  integer, parameter :: n = 4096, rounds = 10
  double precision :: a(n), b(n), part, total, secs
  integer :: ierr, rank, nprocs, nspares, round, nerr, errs, cls, c0, c1
  logical :: restarted, moved
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
  call MPIX_Spare_count(nspares, ierr)
  a = [(dble(rank * n + round), round = 1, n)]
  restarted = .false.
  do round = 1, rounds
    if (round == rounds / 2) then
      call before_checkpoint()
      if (mode /= 'none') then
        call MPIX_Checkpoint(trim(dir), restarted, ierr)
        call expect(ierr == MPI_SUCCESS, 'MPIX_CHECKPOINT')
        if (mode == 'die' .and. .not. restarted) call MPI_Abort(MPI_COMM_WORLD, 7, ierr)
        if (rank == 0) write (*, '(a,l1)') ' fort_ckpt: restarted ', restarted
      end if
      if (rank == nprocs - 1 .and. nspares > 0) call MPI_Migrateto(MPIX_ANY_SPARE, ierr)
    end if
    call MPI_Sendrecv(a, n, MPI_DOUBLE_PRECISION, mod(rank + 1, nprocs), 1, b, n, &
                      MPI_DOUBLE_PRECISION, mod(rank + nprocs - 1, nprocs), 1, &
                      MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
    a = a * 0.5d0 + b * 0.25d0 + sqrt(dble(round + rank))
  end do
  part = sum(a)
  call MPI_Reduce(part, total, 1, MPI_DOUBLE_PRECISION, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
  call MPI_Allreduce(nerr, errs, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  if (rank == 0) then
    write (line, '(a,z16.16)') 'fort_ckpt: sum bits ', transfer(total, 0_8)
    write (*, *) trim(line)
    if (errs == 0) write (*, *) 'fort_ckpt: OK'
  end if
  call MPI_Finalize(ierr)
  if (errs /= 0) stop 1

contains

  subroutine before_checkpoint()
    call MPIX_Cluster_self(c0, ierr)
    if (nspares > 0) then
      call MPIX_Migration_estimate(rank, MPIX_ANY_SPARE, secs, ierr)
      call expect(ierr == MPI_SUCCESS .and. secs > 0d0, 'MPIX_MIGRATION_ESTIMATE')
      moved = .true.
      call MPIX_Migrate_if(rank, MPIX_ANY_SPARE, 0d0, MPI_COMM_WORLD, moved, ierr)
      call MPIX_Cluster_self(c1, ierr)
      call expect(ierr == MPI_SUCCESS .and. .not. moved .and. c1 == c0, &
                  'MPIX_MIGRATE_IF with no gain')
    end if
    call MPIX_Migration_estimate(rank, 9999, secs, ierr)
    call MPI_Error_class(ierr, cls, ierr)
    call expect(cls == MPI_ERR_ARG, 'class of MPIX_MIGRATION_ESTIMATE to a bad cluster')
    call MPIX_Checkpoint('   ', restarted, ierr)
    call MPI_Error_class(ierr, cls, ierr)
    call expect(cls == MPI_ERR_ARG, 'class of MPIX_CHECKPOINT to a blank name')
    if (rank == nprocs - 1 .and. nspares > 0) call MPI_Migrateto(MPIX_ANY_SPARE, ierr)
  end subroutine before_checkpoint

  subroutine expect(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) return
    nerr = nerr + 1
    write (line, '(a,i0,2a)') 'fort_ckpt: rank ', rank, ': wrong ', what
    write (*, *) trim(line)
  end subroutine expect

end program fort_ckpt
