#!/bin/bash
# allpairs.sh: all-pairs exchange, sizes 0 B to 16 MiB around the eager limit.
. "$(dirname "$0")/common.sh"
expect_ok 4 -- allpairs "allpairs: OK 4 ranks"
expect_ok 3 -- allpairs 1048576 "allpairs: OK 3 ranks"
