#!/bin/bash
# dtype_compat.sh: MPI-1 datatype calls, MPI_LB/MPI_UB markers, addresses,
# match_size and the f90 types (dtype_compat.c); absolute addresses taken
# before a move of every rank, used after it.
. "$(dirname "$0")/common.sh"
expect_ok 1 -- dtype_compat all "dtype_compat: OK"
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 3 --spares 3 -- dtype_compat migrate "dtype_compat migrate: OK"
