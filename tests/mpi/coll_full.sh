#!/bin/bash
# coll_full.sh: every collective against a serial reference (coll_full.c) on
# 1, 2, 3, 4, 5 and 8 ranks (8 oversubscribes the 2-core test machine).
. "$(dirname "$0")/common.sh"
for np in 1 2 3 4 5 8; do
    expect_ok "$np" -- coll_full "coll_full: OK $np ranks"
done
