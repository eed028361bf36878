#!/bin/bash
# dtype_attrs.sh: datatype names and attributes, failing callbacks,
# predefined keyvals and keyval kinds (dtype_attrs.c); MPI_COMM_SELF's
# attributes deleted last set first at MPI_Finalize; the same state across a
# move of every rank.
. "$(dirname "$0")/common.sh"

# The five attributes set on MPI_COMM_SELF (0..4) go 4, 3, 2, 1, 0, before
# MPI is finalized.
check_self_order() {
    local got
    got=$(sed -n 's/^dtype_attrs: self delete //p' "$OUT" | tr '\n' ' ')
    [ "$got" = "4 3 2 1 0 " ] || fail "MPI_COMM_SELF deletions in order '$got', want '4 3 2 1 0 '"
}

for np in 1 3; do
    expect_ok $np -- dtype_attrs all "dtype_attrs: OK"
    check_self_order
done
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 2 --spares 2 -- dtype_attrs migrate "dtype_attrs migrate: OK"
check_self_order
