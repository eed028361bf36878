#!/bin/bash
# coll_full.sh: every collective against a serial reference (coll_full.c) on
# 1, 2, 3, 4, 5, 8 and 9 ranks (oversubscribing a 2-core test machine; 8 and
# 9 take the large-message Bcast, whose tree is clipped on 9).
. "$(dirname "$0")/common.sh"
for np in 1 2 3 4 5 8 9; do
    expect_ok "$np" -- coll_full "coll_full: OK $np ranks"
done
# Communicator shapes: dup, split (reversed keys), Comm_create sub-group.
for np in 2 3 5; do
    expect_ok "$np" -- coll_full shapes "coll_full shapes: OK $np ranks"
done
