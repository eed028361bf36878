#!/bin/bash
# coll_nbc.sh: the rest of the nonblocking collectives and the persistent
# collectives (coll_nbc.c), all in flight at once, bit for bit, on WORLD and
# on a split with ranks reversed; error classes.
. "$(dirname "$0")/common.sh"
for np in 1 2 3 5; do
    expect_ok "$np" -- coll_nbc "coll_nbc: OK $np ranks"
done
