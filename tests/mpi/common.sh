# shellcheck shell=bash
# common.sh: helpers sourced by the tests/mpi/*.sh scripts.
#
# make check exports top_builddir and top_srcdir (absolute); run by hand, a
# script guesses them from its own location (in-tree build). The launcher
# and the program directory can be swapped to run the same scripts against
# plain MPICH (see run-on-mpich.sh):
#   NMPI_TEST_MPIEXEC  launcher (default: $top_builddir/tools/mpiexec)
#   NMPI_TEST_BINDIR   where the test programs are (default: tests/mpi)
#   NMPI_TEST_TIMEOUT  seconds before a run is killed (default: 120)
# Sources are read from top_srcdir, never written: programs a script compiles
# itself go to BUILDD (see build_dir), scratch files to TMPD.
# Exit status: 0 pass, 1 fail, 77 skip (automake's convention).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
: "${MPICH_INCDIR:=/usr/include/x86_64-linux-gnu/mpich}"
MPIEXEC=${NMPI_TEST_MPIEXEC:-$top_builddir/tools/mpiexec}
BINDIR=${NMPI_TEST_BINDIR:-$top_builddir/tests/mpi}
TIMEOUT=${NMPI_TEST_TIMEOUT:-120}

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/nmpi-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
OUT=$TMPD/out
BUILDD=$top_builddir/tests/.build/$(basename "$0" .sh)

# build_dir: empties BUILDD ($top_builddir/tests/.build/<script>/, ignored
# by git in an in-tree build, removed by make clean), where the script then
# compiles its programs.
build_dir() {
    rm -rf "$BUILDD" && mkdir -p "$BUILDD" || fail "cannot create $BUILDD"
}

fail() {
    echo "FAIL: $*"
    exit 1
}

skip() {
    echo "SKIP: $*"
    exit 77
}

# True when running against our library and launcher (not the MPICH
# reference run).
ours() {
    [ -z "${NMPI_TEST_MPIEXEC:-}" ]
}

# run_mpi NP [launcher options] -- PROGRAM [ARGS]: runs PROGRAM (a name in
# BINDIR, or a path) on NP ranks with a timeout; its output (stdout and
# stderr) is shown and kept in $OUT. Returns the launcher's exit status (124
# on timeout).
run_mpi() {
    local np=$1 opts=() prog status
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    prog=$1
    shift
    case "$prog" in */*) ;; *) prog=$BINDIR/$prog ;; esac
    echo "+ $MPIEXEC -n $np${opts[*]:+ ${opts[*]}} $prog $*"
    local limit=${NMPI_TEST_TIMEOUT:-$TIMEOUT} # a per-run NMPI_TEST_TIMEOUT= prefix wins
    timeout -k 10 "$limit" "$MPIEXEC" -n "$np" "${opts[@]}" "$prog" "$@" </dev/null >"$OUT" 2>&1
    status=$?
    cat "$OUT"
    [ $status -ne 124 ] || echo "TIMEOUT: killed after $limit s"
    return $status
}

# expect_ok NP [opts] -- PROGRAM [ARGS] LINE: run_mpi, then require exit 0
# and an output line starting with LINE.
expect_ok() {
    local line=${!#}
    set -- "${@:1:$#-1}"
    run_mpi "$@" || fail "exit status $? (want 0)"
    grep -q "^$line" "$OUT" || fail "no output line starting with '$line'"
}

# expect_dest_lost STATUS CASE OK MOVE_LINE: the job run_mpi ran, one of
# whose moves had its destination killed under it (NMPI_TEST_LOST_AT): it
# did not hang, the job carried on (a line OK, a pattern), the move failed
# with MOVE_LINE, and mpiexec says a process was killed (137).
expect_dest_lost() {
    local status=$1 what=$2 ok=$3 line=$4
    [ "$status" -ne 124 ] || fail "$what: the job hung after the destination died"
    grep -q "$ok" "$OUT" || fail "$what: the job did not carry on (no '$ok')"
    grep -q "$line" "$OUT" || fail "$what: no line says the move failed because its destination was lost"
    [ "$status" -eq 137 ] || fail "$what: mpiexec status $status, want 137 (a process was killed)"
}

# wait_for FILE PID N PATTERN: until FILE has N lines matching PATTERN
# (fixed string); fails when the job PID ended first or after 60 s.
wait_for() {
    local file=$1 pid=$2 n=$3 pat=$4 i
    for ((i = 0; i < 600; i++)); do
        [ "$(grep -cF -- "$pat" "$file")" -ge "$n" ] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$file"; fail "job ended before '$pat' (x$n)"; }
        sleep 0.1
    done
    cat "$file"
    fail "no '$pat' (x$n) after 60 s"
}
