#!/bin/bash
# mpicc.sh: tools/mpicc adds our include dir before MPICH's, links -lmpi
# from the build tree only when linking, honours NMPI_CC, fails clearly
# without MPICH's header, and (with the library built) builds a program that
# runs on nanvix-mpi.
. "$(dirname "$0")/common.sh"
ours || skip "tests nanvix-mpi's mpicc"
mpicc=$top_builddir/tools/mpicc

show=$("$mpicc" -show -O2 hello.c -o hello) || fail "mpicc -show failed"
echo "mpicc -show: $show"
case "$show" in *"-I$top_srcdir/include -I$MPICH_INCDIR"*) ;;
*) fail "-show lacks '-I$top_srcdir/include -I$MPICH_INCDIR' in that order" ;; esac
for want in "-O2 hello.c -o hello" "-L$top_builddir/.libs" "-Wl,-rpath,$top_builddir/.libs" "-lmpi"; do
    case "$show" in *"$want"*) ;; *) fail "-show lacks '$want'" ;; esac
done
show=$("$mpicc" -show -c hello.c) || fail "mpicc -show -c failed"
echo "mpicc -show -c: $show"
case "$show" in *-lmpi* | *-rpath*) fail "-c must not add link flags" ;; esac
show=$(NMPI_CC=my-cc "$mpicc" -show x.c)
case "$show" in "my-cc "*) ;; *) fail "NMPI_CC not used: $show" ;; esac
msg=$(NMPI_MPICH_INCDIR=/nonexistent "$mpicc" -show x.c 2>&1) && fail "no error without mpi.h"
echo "without MPICH's header: $msg"
[ "$msg" = "mpicc: MPICH's mpi.h not found: install the Debian package libmpich-dev" ] ||
    fail "wrong message: $msg"

# Our header: extensions declared, MPICH's definitions underneath.
build_dir
cat >"$BUILDD/ext.c" <<'SRC'
#include <mpi.h>
#if !defined(NANVIX_MPI) || !defined(MPICH_VERSION)
#error "not nanvix-mpi's mpi.h on top of MPICH's"
#endif
int f(void)
{
    int c = 0, n = 0;
    MPIX_Cluster_self(&c);
    MPIX_Cluster_count(&n);
    MPIX_Spare_count(&n);
    MPIX_Migrate(0, MPIX_ANY_SPARE, MPI_COMM_WORLD);
    return MPI_Migrateto(c) + PMPI_Migrateto(c) + (MPIX_ANY_SPARE != MPI_ANY_SOURCE);
}
SRC
"$mpicc" -Wall -Werror -c "$BUILDD/ext.c" -o "$BUILDD/ext.o" || fail "compiling against our mpi.h"

# Build and run a program with our wrappers, end to end.
[ -e "$top_builddir/.libs/libmpi.so" ] || fail "libmpi.so not built"
"$mpicc" -o "$BUILDD/abi_ours" "$top_srcdir/tests/mpi/abi_version.c" || fail "mpicc link failed"
run_mpi 2 -- "$BUILDD/abi_ours" || fail "exit status $?"
grep -q '^nanvix-mpi' "$OUT" || fail "program built by our mpicc does not run on nanvix-mpi"
echo "mpicc: OK"
