#!/bin/bash
# truncate.sh: MPI_ERR_TRUNCATE for eager and rendezvous sizes, then the next
# message arrives intact.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- truncate "truncate: OK"
n=$(grep -c '^truncate: .* OK$' "$OUT")
[ "$n" -eq 4 ] || fail "$n of 4 truncation cases reported OK"
