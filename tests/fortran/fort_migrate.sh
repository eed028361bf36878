#!/bin/bash
# fort_migrate.sh: Fortran programs on nanvix-mpi, their ranks moving while
# every result is checked bit for bit (fort_migrate.F90, MODE basic).
#
# 1. Built by our mpif90: it needs libmpi.so.12 before libc (no re-exec
#    needed) with an RPATH to our library; it moves its own ranks through
#    include 'mpix.h' (MPI_Migrateto one rank, then two at the same moment,
#    then MPIX_Migrate of another rank), and once more with mpimigrate
#    moving rank 2 from outside while the job runs.
# 2. Built by MPICH's own mpif90.mpich (-DNO_MPIX: no extension) and run
#    unchanged with our library first in LD_LIBRARY_PATH: the library is
#    loaded after libc, preloads itself, and mpimigrate moves rank 2, then
#    rank 0 onto the cluster rank 2 left; the program sees the LD_PRELOAD
#    it was given (a library of the user's), not ours: children do not
#    inherit the preload.
# Synchronisation with running jobs is by their output lines, never by sleeps.
. "$(dirname "$0")/fort_common.sh"
ours || skip "migration is a nanvix-mpi extension"
need_fortran
MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run # private: other jobs of this user are not seen
export NMPI_MIGRATE_TIMEOUT=10
JOB_PID=
trap 'kill $JOB_PID 2>/dev/null; rm -rf "$TMPD"' EXIT
build_dir
src=$top_srcdir/tests/fortran/fort_migrate.F90
fort_build fort_migrate "$src"
fort_build fort_migrate_mpich "$src" "$MPIFORT_MPICH" -DNO_MPIX

needed=$(needed_of "$BUILDD/fort_migrate")
echo "our mpif90's program needs: $needed"
case "$needed" in libmpi.so.12\ *libc.so.6*) ;; *) fail "libmpi.so.12 is not first: $needed" ;; esac
readelf -d "$BUILDD/fort_migrate" | grep -q "(RPATH).*\[$top_builddir/.libs\]" ||
    fail "no RPATH to $top_builddir/.libs (libmpichfort would find MPICH's libmpich.so.12)"
needed=$(needed_of "$BUILDD/fort_migrate_mpich")
echo "mpif90.mpich's program needs: $needed"
case "$needed" in *libmpi.so*) fail "MPICH's build links our library?" ;; esac

# (1) Moves made by the program itself.
expect_ok 3 --spares 2 -- "$BUILDD/fort_migrate" basic 9 " fort_migrate: OK 9 rounds 3 ranks 4 moves"

# mm PATTERN ARGS: mpimigrate ARGS must exit 0 and print a line matching PATTERN.
mm() {
    local pat=$1
    shift
    echo "+ mpimigrate $*"
    timeout 90 "$MM" "$@" >"$TMPD/mm.out" 2>&1 || { cat "$TMPD/mm.out"; fail "mpimigrate $*: exit $?"; }
    cat "$TMPD/mm.out"
    grep -Eq "$pat" "$TMPD/mm.out" || fail "mpimigrate $*: no line matching '$pat'"
}

# start_job OUT N SPARES PROGRAM ARGS...: the job in the background (JOB_PID).
start_job() {
    local out=$1 n=$2 spares=$3
    shift 3
    echo "+ $MPIEXEC -n $n --spares $spares $* &"
    timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n "$n" --spares "$spares" "$@" </dev/null >"$out" 2>&1 &
    JOB_PID=$!
}

# finish_job OUT LINE: stops the job (stop file), wants exit 0 and LINE.
finish_job() {
    touch "$TMPD/stop"
    wait "$JOB_PID" || { cat "$1"; fail "job exit status $? (want 0)"; }
    JOB_PID=
    cat "$1"
    grep -q "^$2" "$1" || fail "no line '$2'"
}

# (1) The same program, moved by mpimigrate too, before its own moves.
rm -f "$TMPD/stop"
start_job "$TMPD/a.out" 3 2 "$BUILDD/fort_migrate" basic 9 "$TMPD/stop"
wait_for "$TMPD/a.out" "$JOB_PID" 1 "fort_migrate: waiting"
mm "^rank 2 moved from cluster 2 to cluster 3 " 2 3
finish_job "$TMPD/a.out" " fort_migrate: OK 9 rounds 3 ranks 5 moves"
grep -q "^ fort_migrate: rank 2 cluster 2 -> 3$" "$TMPD/a.out" || fail "rank 2 did not see its move"
grep -q "^ fort_migrate: rank 1 cluster 1 -> 1$" "$TMPD/a.out" || fail "rank 1 moved?"

# (2) Built by MPICH, run unchanged: loaded after libc, the library preloads itself.
rm -f "$TMPD/stop"
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
user_preload=$(gfortran -print-file-name=libquadmath.so.0) # loaded anyway: harmless
[ -e "$user_preload" ] || user_preload=
LD_PRELOAD=$user_preload start_job "$TMPD/b.out" 3 1 "$BUILDD/fort_migrate_mpich" basic 4 "$TMPD/stop"
wait_for "$TMPD/b.out" "$JOB_PID" 1 "fort_migrate: waiting"
mm "^rank 2 moved from cluster 2 to cluster 3 " 2 3
mm "^rank 0 moved from cluster 0 to cluster 2 " 0 2
finish_job "$TMPD/b.out" " fort_migrate: OK 4 rounds 3 ranks 0 moves"
grep -qxF " fort_migrate: LD_PRELOAD=[$user_preload]" "$TMPD/b.out" ||
    fail "the program does not see its own LD_PRELOAD ($user_preload)"
echo "fort_migrate: OK"
