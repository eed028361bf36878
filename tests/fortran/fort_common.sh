# shellcheck shell=bash
# fort_common.sh: what the Fortran test scripts share, on top of
# tests/mpi/common.sh (run_mpi, expect_ok, wait_for, build_dir...).
#
# MPIFORT_MPICH (exported by make check from configure) is MPICH's Fortran
# wrapper; MPIF90 is ours, from the build tree. Without MPICH's wrapper or
# gfortran the tests skip, naming the Debian packages to install.
. "$(dirname "${BASH_SOURCE[0]}")/../mpi/common.sh"
: "${MPIFORT_MPICH:=mpifort.mpich}"
MPIF90=$top_builddir/tools/mpif90

need_fortran() {
    if ! command -v "$MPIFORT_MPICH" >/dev/null 2>&1 || ! command -v gfortran >/dev/null 2>&1; then
        skip "no Fortran compiler: install the Debian packages gfortran and libmpich-dev"
    fi
}

# fort_build OUT SOURCE [COMPILER] [FLAGS...]: compiles SOURCE into
# $BUILDD/OUT with our mpif90 (or COMPILER), module files there too (-J);
# fails with its output.
fort_build() {
    local out=$1 src=$2 fc=${3:-$MPIF90}
    shift 2
    [ $# -gt 0 ] && shift
    "$fc" "$@" -J "$BUILDD" -o "$BUILDD/$out" "$src" >"$TMPD/fc.out" 2>&1 ||
        { cat "$TMPD/fc.out"; fail "$fc $* $src failed"; }
}

# The libraries a program needs, in order, on one line.
needed_of() {
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '
}
