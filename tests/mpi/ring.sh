#!/bin/bash
# ring.sh: a token and a pattern-checked payload go around the ranks.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- ring 20 "ring: OK 2 ranks"
expect_ok 4 -- ring 10 "ring: OK 4 ranks"
expect_ok 5 -- ring 7 "ring: OK 5 ranks"
