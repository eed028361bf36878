#!/bin/bash
# coll_scale.sh: the tree and halving collectives (coll_scale.c) on 1 to 9
# ranks, bit for bit, then with ranks moving between and inside the calls
# (one rank, then two at once inside each call).
. "$(dirname "$0")/common.sh"
for np in 1 2 3 4 5 6 7 8 9; do
    expect_ok "$np" -- coll_scale all 1 "coll_scale all: OK 1 rounds $np ranks"
done
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 5 --spares 2 -- coll_scale migrate 2 "coll_scale migrate: OK 2 rounds 5 ranks"
expect_ok 4 --spares 2 -- coll_scale migrate 1 "coll_scale migrate: OK 1 rounds 4 ranks"
expect_ok 3 --spares 1 -- coll_scale inside 2 "coll_scale inside: OK 2 rounds 3 ranks"
expect_ok 6 --spares 2 -- coll_scale inside 2 "coll_scale inside: OK 2 rounds 6 ranks"
expect_ok 6 --spares 2 -- coll_scale inside2 2 "coll_scale inside2: OK 2 rounds 6 ranks"
