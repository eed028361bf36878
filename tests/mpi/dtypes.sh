#!/bin/bash
# dtypes.sh: derived datatypes through point-to-point and collectives, bit for
# bit, and a rank that moves while it holds derived types and requests.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- dtypes all "dtypes: OK"
expect_ok 3 -- dtypes all "dtypes: OK"
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 2 --spares 2 -- dtypes migrate "dtypes migrate: OK"
expect_ok 3 --spares 1 -- dtypes migrate "dtypes migrate: OK"

# The same program built by MPICH's own mpicc runs on our library: the
# datatype handles and calls are MPICH's ABI.
command -v "$MPICC_MPICH" >/dev/null || fail "$MPICC_MPICH not found: install libmpich-dev"
build_dir
"$MPICC_MPICH" -O2 -I"$top_srcdir/tests/lib" -o "$BUILDD/dtypes_mpich" \
    "$top_srcdir/tests/mpi/dtypes.c" "$top_srcdir/tests/lib/testhelp.c" ||
    fail "$MPICC_MPICH failed"
LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
    expect_ok 2 -- "$BUILDD/dtypes_mpich" all "dtypes: OK"
