#!/bin/bash
# attrs.sh: keyvals, attribute copy/delete callbacks, predefined attributes
# (attrs.c); MPI_Finalize deletes MPI_COMM_SELF's attributes.
. "$(dirname "$0")/common.sh"
for np in 1 3; do
    expect_ok $np -- attrs "attrs: OK $np ranks"
    grep -q "^attrs: self attribute deleted at finalize" "$OUT" ||
        fail "MPI_Finalize did not delete MPI_COMM_SELF's attribute"
done
