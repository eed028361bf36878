#!/bin/bash
# mpifort.sh: tools/mpifort (and its links mpif90, mpif77) puts our include
# directory first and links -lmpi from the build tree with an old-style
# RPATH only when linking, honours NMPI_MPIFORT, fails clearly without
# MPICH's wrapper; a program using include 'mpix.h' (fort_ext.f90) builds
# and its calls give the right values and error classes.
. "$(dirname "$0")/fort_common.sh"
ours || skip "tests nanvix-mpi's mpifort"
lib=$top_builddir/.libs
for w in mpifort mpif90 mpif77; do
    [ -x "$top_builddir/tools/$w" ] || fail "tools/$w missing"
done
show=$(NMPI_MPIFORT=my-mpifort "$top_builddir/tools/mpif90" -show -O2 x.f90 -o x 2>&1)
echo "mpif90 -show: $show"
case "$show" in "my-mpifort -I$top_srcdir/include -O2 x.f90 -o x "*) ;;
*) fail "-show does not start with the wrapper, our include dir, then the arguments" ;; esac
for want in "-L$lib" "-Wl,-rpath,$lib" "-Wl,--disable-new-dtags" "-lmpi"; do
    case "$show" in *"$want"*) ;; *) fail "-show lacks '$want'" ;; esac
done
show=$(NMPI_MPIFORT=my-mpifort "$top_builddir/tools/mpif77" -show -c x.f)
case "$show" in *-lmpi* | *-rpath*) fail "-c must not add link flags: $show" ;; esac
msg=$(NMPI_MPIFORT=/nonexistent/mpifort "$top_builddir/tools/mpifort" x.f90 2>&1) &&
    fail "no error without MPICH's wrapper"
echo "without MPICH's wrapper: $msg"
[ "$msg" = "mpifort: MPICH's Fortran wrapper (mpifort.mpich) not found: install the Debian packages gfortran and libmpich-dev" ] ||
    fail "wrong message: $msg"

need_fortran
build_dir
fort_build fort_ext "$top_srcdir/tests/fortran/fort_ext.f90"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 3 --spares 1 -- "$BUILDD/fort_ext" " fort_ext: OK 3 ranks 1 spares"
expect_ok 2 -- "$BUILDD/fort_ext" " fort_ext: OK 2 ranks 0 spares"
echo "mpifort: OK"
