! fort_migrate.F90: a Fortran 90 MPI program (the `mpi` module of
! mpif90.mpich) whose ranks move while it runs; every result is checked bit
! for bit against what the program computes itself.
!
! Built by our mpif90 it uses our extensions (include 'mpix.h'); built by
! MPICH's own mpif90.mpich with -DNO_MPIX it is a plain MPI program that
! runs unchanged on our library, where only mpimigrate moves its ranks.
!
! Usage: fort_migrate MODE ROUNDS [STOPFILE]
! Rank 0 first prints "fort_migrate: LD_PRELOAD=[...]", what the program
! (and so its children) sees.
!   MODE basic: point-to-point, collectives and derived datatypes;
!   MODE cart:  the same plus a 2-D periodic Cartesian halo exchange
!               (MPI_Dims_create, MPI_Cart_create, MPI_Cart_shift...).
! Each round: a ring exchange (MPI_Sendrecv of integers, MPI_Isend/MPI_Irecv
! of doubles compared as bit patterns), MPI_Allreduce, MPI_Reduce,
! MPI_Bcast, MPI_Allgather, and one row of a 2-D array sent through an
! MPI_Type_vector and received contiguous.
! Moves made by the program itself, through include 'mpix.h' (not with
! NO_MPIX):
!   round ROUNDS/3:   rank 1 calls MPI_Migrateto(MPIX_ANY_SPARE);
!   round ROUNDS/2:   every even rank calls MPI_Migrateto at the same moment;
!   round 2*ROUNDS/3: rank 0 asks rank NPROCS-1 to move (MPIX_Migrate).
! Each mover checks MPIX_Cluster_self before and after. With STOPFILE, after
! round 1 rank 0 prints "fort_migrate: waiting" and all ranks keep doing
! checked rounds until STOPFILE exists (the script moves a rank with
! mpimigrate meanwhile); each rank then prints its cluster (not with
! NO_MPIX).
! The last line, from rank 0: "fort_migrate: OK <rounds> rounds <n> ranks
! <moves> moves", or "fort_migrate: FAILED <errors> errors" and exit 1.
!
! Every line is written list-directed (a leading blank), its text made by
! an internal write: libgfortran caches each parsed format in its unit, in
! process memory that points into the container heap of whichever rank
! printed, and a cached format is looked up (and freed) by the next rank
! that prints with a format in that process, possibly another rank that
! moved in. List-directed and internal I/O parse no cached format.
program fort_migrate
  use mpi
  implicit none
#ifndef NO_MPIX
  include 'mpix.h'
#endif
  integer, parameter :: n = 48
  integer :: ierr, rank, nprocs, rounds, r, nerr, total, moves, allmoves
  integer :: left, right, before, after, waits
  logical :: cart, havestop, stopnow
  character(len=256) :: arg, stopfile, line

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nprocs, ierr)
  call MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN, ierr)
  call get_command_argument(1, arg)
  cart = trim(arg) == 'cart'
  call get_command_argument(2, arg)
  read (arg, *) rounds
  call get_command_argument(3, stopfile)
  havestop = len_trim(stopfile) > 0
  if (rank == 0) then
    call get_environment_variable('LD_PRELOAD', arg)
    call say('fort_migrate: LD_PRELOAD=[' // trim(arg) // ']')
  end if
  left = mod(rank + nprocs - 1, nprocs)
  right = mod(rank + 1, nprocs)
  nerr = 0
  moves = 0
  waits = 0

  do r = 1, rounds
    call one_round(r)
    if (r == 1 .and. havestop) call wait_for_stopfile()
#ifndef NO_MPIX
    if (r == max(1, rounds / 3) .and. rank == 1) call move_self(r)
    if (r == max(1, rounds / 2) .and. mod(rank, 2) == 0) call move_self(r)
    if (r == max(1, 2 * rounds / 3)) call move_other(r)
#endif
  end do

  call MPI_Allreduce(nerr, total, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  call MPI_Allreduce(moves, allmoves, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  if (rank == 0) then
    if (total == 0) then
      write (line, '(a,i0,a,i0,a,i0,a)') 'fort_migrate: OK ', rounds, ' rounds ', nprocs, &
        ' ranks ', allmoves, ' moves'
    else
      write (line, '(a,i0,a)') 'fort_migrate: FAILED ', total, ' errors'
    end if
    call say(line)
  end if
  call MPI_Finalize(ierr)
  if (total /= 0) stop 1

contains

  ! One line on standard output, list-directed (see the header).
  subroutine say(text)
    character(len=*), intent(in) :: text
    write (*, *) trim(text)
    flush (6)
  end subroutine say

  ! Counts a failed check and says which (at most 20 lines per rank).
  subroutine check(ok, what, r)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    integer, intent(in) :: r
    if (ok) return
    nerr = nerr + 1
    if (nerr <= 20) then
      write (line, '(a,i0,a,i0,2a)') 'fort_migrate: rank ', rank, ' round ', r, ': wrong ', what
      call say(line)
    end if
  end subroutine check

  subroutine check_mpi(code, what, r)
    integer, intent(in) :: code, r
    character(len=*), intent(in) :: what
    call check(code == MPI_SUCCESS, what // ' (error code)', r)
  end subroutine check_mpi

  ! The value rank src puts at index i in round r (exact in a double too).
  integer function val(src, i, r)
    integer, intent(in) :: src, i, r
    val = src * 1000003 + r * 7919 + i * 31
  end function val

  ! A double whose bits both sides compute the same way.
  double precision function dval(src, i, r)
    integer, intent(in) :: src, i, r
    dval = dble(val(src, i, r)) / 3.0d0 + sqrt(dble(i + r))
  end function dval

  logical function same_bits(a, b)
    double precision, intent(in) :: a, b
    same_bits = transfer(a, 0_8) == transfer(b, 0_8)
  end function same_bits

  subroutine one_round(r)
    integer, intent(in) :: r
    call ring(r)
    call collectives(r)
    call vector_row(r)
    if (cart) call cart_halo(r)
  end subroutine one_round

  ! Point-to-point: integers by MPI_Sendrecv, doubles by Isend/Irecv.
  subroutine ring(r)
    integer, intent(in) :: r
    integer :: sbuf(n), rbuf(n), i, req(2), st(MPI_STATUS_SIZE), sts(MPI_STATUS_SIZE, 2)
    double precision :: dsend(n), drecv(n)
    logical :: ok
    do i = 1, n
      sbuf(i) = val(rank, i, r)
      dsend(i) = dval(rank, i, r)
    end do
    rbuf = -1
    call MPI_Sendrecv(sbuf, n, MPI_INTEGER, right, 10 + r, rbuf, n, MPI_INTEGER, left, &
      10 + r, MPI_COMM_WORLD, st, ierr)
    call check_mpi(ierr, 'MPI_Sendrecv', r)
    ok = st(MPI_SOURCE) == left .and. st(MPI_TAG) == 10 + r
    do i = 1, n
      ok = ok .and. rbuf(i) == val(left, i, r)
    end do
    call check(ok, 'MPI_Sendrecv data or status', r)
    drecv = 0
    call MPI_Irecv(drecv, n, MPI_DOUBLE_PRECISION, right, 20, MPI_COMM_WORLD, req(1), ierr)
    call MPI_Isend(dsend, n, MPI_DOUBLE_PRECISION, left, 20, MPI_COMM_WORLD, req(2), ierr)
    call MPI_Waitall(2, req, sts, ierr)
    call check_mpi(ierr, 'MPI_Waitall', r)
    ok = sts(MPI_SOURCE, 1) == right
    do i = 1, n
      ok = ok .and. same_bits(drecv(i), dval(right, i, r))
    end do
    call check(ok, 'MPI_Isend/MPI_Irecv doubles', r)
  end subroutine ring

  subroutine collectives(r)
    integer, intent(in) :: r
    integer :: v(n), s(n), mx(n), all(nprocs), i, root
    double precision :: b(n)
    logical :: ok
    do i = 1, n
      v(i) = (rank + 1) * i + r
    end do
    call MPI_Allreduce(v, s, n, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
    call check_mpi(ierr, 'MPI_Allreduce', r)
    ok = .true.
    do i = 1, n
      ok = ok .and. s(i) == i * nprocs * (nprocs + 1) / 2 + nprocs * r
    end do
    call check(ok, 'MPI_Allreduce sum', r)
    root = mod(r, nprocs)
    mx = -1
    call MPI_Reduce(v, mx, n, MPI_INTEGER, MPI_MAX, root, MPI_COMM_WORLD, ierr)
    call check_mpi(ierr, 'MPI_Reduce', r)
    if (rank == root) then
      ok = .true.
      do i = 1, n
        ok = ok .and. mx(i) == nprocs * i + r
      end do
      call check(ok, 'MPI_Reduce max', r)
    end if
    do i = 1, n
      b(i) = merge(dval(root, i, r), 0.0d0, rank == root)
    end do
    call MPI_Bcast(b, n, MPI_DOUBLE_PRECISION, root, MPI_COMM_WORLD, ierr)
    call check_mpi(ierr, 'MPI_Bcast', r)
    ok = .true.
    do i = 1, n
      ok = ok .and. same_bits(b(i), dval(root, i, r))
    end do
    call check(ok, 'MPI_Bcast doubles', r)
    call MPI_Allgather(val(rank, 0, r), 1, MPI_INTEGER, all, 1, MPI_INTEGER, MPI_COMM_WORLD, &
      ierr)
    call check_mpi(ierr, 'MPI_Allgather', r)
    ok = .true.
    do i = 1, nprocs
      ok = ok .and. all(i) == val(i - 1, 0, r)
    end do
    call check(ok, 'MPI_Allgather', r)
  end subroutine collectives

  ! Row k of m(n, n) is strided in memory (column-major): one element per
  ! column, n apart. It goes out through MPI_Type_vector(n, 1, n) and
  ! arrives contiguous.
  subroutine vector_row(r)
    integer, intent(in) :: r
    integer :: m(n, n), got(n), rowtype, i, j, k, st(MPI_STATUS_SIZE)
    logical :: ok
    do j = 1, n
      do i = 1, n
        m(i, j) = val(rank, i * n + j, r)
      end do
    end do
    k = mod(rank + r, n) + 1
    call MPI_Type_vector(n, 1, n, MPI_INTEGER, rowtype, ierr)
    call MPI_Type_commit(rowtype, ierr)
    call check_mpi(ierr, 'MPI_Type_vector/commit', r)
    got = -1
    call MPI_Sendrecv(m(k, 1), 1, rowtype, right, 30, got, n, MPI_INTEGER, left, 30, &
      MPI_COMM_WORLD, st, ierr)
    call check_mpi(ierr, 'MPI_Sendrecv of a vector type', r)
    call MPI_Type_free(rowtype, ierr)
    k = mod(left + r, n) + 1
    ok = .true.
    do j = 1, n
      ok = ok .and. got(j) == val(left, k * n + j, r)
    end do
    call check(ok, 'row received through MPI_Type_vector', r)
  end subroutine vector_row

  ! 2-D periodic torus: each rank sends its rank to the four neighbours
  ! MPI_Cart_shift names and checks them against MPI_Cart_rank.
  subroutine cart_halo(r)
    integer, intent(in) :: r
    integer :: dims(2), coords(2), nb(2), cartcomm, d, src, dst, want, got, crank
    logical :: periods(2)
    dims = 0
    periods = .true.
    call MPI_Dims_create(nprocs, 2, dims, ierr)
    call check(dims(1) * dims(2) == nprocs .and. dims(1) >= dims(2), 'MPI_Dims_create', r)
    call MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, .false., cartcomm, ierr)
    call check_mpi(ierr, 'MPI_Cart_create', r)
    call MPI_Comm_rank(cartcomm, crank, ierr)
    call MPI_Cart_coords(cartcomm, crank, 2, coords, ierr)
    do d = 0, 1
      call MPI_Cart_shift(cartcomm, d, 1, src, dst, ierr)
      nb = coords
      nb(d + 1) = mod(coords(d + 1) + 1, dims(d + 1))
      call MPI_Cart_rank(cartcomm, nb, want, ierr)
      call check(dst == want, 'MPI_Cart_shift destination', r)
      got = -1
      call MPI_Sendrecv(val(crank, d, r), 1, MPI_INTEGER, dst, 40 + d, got, 1, MPI_INTEGER, &
        src, 40 + d, cartcomm, MPI_STATUS_IGNORE, ierr)
      call check(got == val(src, d, r), 'Cartesian halo value', r)
    end do
    call MPI_Comm_free(cartcomm, ierr)
  end subroutine cart_halo

#ifndef NO_MPIX
  subroutine move_self(r)
    integer, intent(in) :: r
    call MPIX_Cluster_self(before, ierr)
    call MPI_Migrateto(MPIX_ANY_SPARE, ierr)
    call check_mpi(ierr, 'MPI_Migrateto', r)
    call MPIX_Cluster_self(after, ierr)
    call check(after /= before, 'cluster after MPI_Migrateto', r)
    if (after /= before) moves = moves + 1
  end subroutine move_self

  ! Rank 0 asks the last rank to move. A rank moves at a wait inside MPI,
  ! so the ask must come when the target has no other wait left before the
  ! one meant for it: the target first sends its cluster (after that it
  ! only waits for the token); rank 0 receives it, asks, keeps its own
  ! progress going for 0.1 s (MPI_Iprobe: the ask goes out) and only then
  ! sends the token. The target must have moved when the token arrives, and
  ! tells rank 0 its new cluster.
  subroutine move_other(r)
    integer, intent(in) :: r
    integer :: target, token, c0, c1
    logical :: flag
    double precision :: t0
    target = nprocs - 1
    if (target == 0) return
    if (rank == 0) then
      call MPI_Recv(c0, 1, MPI_INTEGER, target, 50, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
      call MPIX_Migrate(target, MPIX_ANY_SPARE, MPI_COMM_WORLD, ierr)
      call check_mpi(ierr, 'MPIX_Migrate', r)
      t0 = MPI_Wtime()
      do while (MPI_Wtime() - t0 < 0.1d0)
        call MPI_Iprobe(MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, flag, MPI_STATUS_IGNORE, ierr)
      end do
      call MPI_Send(r, 1, MPI_INTEGER, target, 51, MPI_COMM_WORLD, ierr)
      call MPI_Recv(c1, 1, MPI_INTEGER, target, 52, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
      call check(c1 /= c0, 'cluster the target reports after MPIX_Migrate', r)
    else if (rank == target) then
      call MPIX_Cluster_self(before, ierr)
      call MPI_Send(before, 1, MPI_INTEGER, 0, 50, MPI_COMM_WORLD, ierr)
      token = -1
      call MPI_Recv(token, 1, MPI_INTEGER, 0, 51, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
      call check(token == r, 'token after MPIX_Migrate', r)
      call MPIX_Cluster_self(after, ierr)
      call check(after /= before, 'cluster after MPIX_Migrate', r)
      if (after /= before) moves = moves + 1
      call MPI_Send(after, 1, MPI_INTEGER, 0, 52, MPI_COMM_WORLD, ierr)
    end if
    call one_round(r)
  end subroutine move_other

#endif

  ! Checked rounds until the stop file exists (rank 0 looks, then tells all).
  subroutine wait_for_stopfile()
    logical :: there
    integer :: start
    start = -1
#ifndef NO_MPIX
    call MPIX_Cluster_self(start, ierr)
#endif
    if (rank == 0) call say('fort_migrate: waiting')
    stopnow = .false.
    do while (.not. stopnow)
      waits = waits + 1
      call one_round(1000 + mod(waits, 1000))
      there = .false.
      if (rank == 0) inquire (file=trim(stopfile), exist=there)
      call MPI_Bcast(there, 1, MPI_LOGICAL, 0, MPI_COMM_WORLD, ierr)
      stopnow = there
    end do
#ifndef NO_MPIX
    call MPIX_Cluster_self(after, ierr)
    if (after /= start) moves = moves + 1
    write (line, '(a,i0,a,i0,a,i0)') 'fort_migrate: rank ', rank, ' cluster ', start, ' -> ', &
      after
    call say(line)
#endif
  end subroutine wait_for_stopfile

end program fort_migrate
