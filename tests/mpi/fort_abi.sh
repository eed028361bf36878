#!/bin/bash
# fort_abi.sh: the symbols the Fortran bindings need and the entry points of
# the unsupported families, from C (fort_abi.c), before and after a move.
. "$(dirname "$0")/common.sh"
ours || skip "nanvix-mpi's additions to the ABI"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 2 --spares 1 -- fort_abi "fort_abi: OK 48 checks (moved)"
expect_ok 1 -- fort_abi "fort_abi: OK 48 checks"
