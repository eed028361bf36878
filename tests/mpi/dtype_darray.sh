#!/bin/bash
# dtype_darray.sh: MPI_Type_create_darray element by element
# (dtype_darray.c), on a 2 x 2 and a 3 x 1 process grid, and with every rank
# moving while darray sends are pending.
. "$(dirname "$0")/common.sh"
expect_ok 4 -- dtype_darray all "dtype_darray: OK"
grep -q "^dtype_darray: cyclic/cyclic(2) Fortran OK" "$OUT" || fail "2 x 2 distributions not run"
expect_ok 3 -- dtype_darray all "dtype_darray: OK"
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 4 --spares 4 -- dtype_darray migrate "dtype_darray migrate: OK"
