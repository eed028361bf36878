#!/bin/bash
# groups.sh: group operations against hand-computed expectations (groups.c).
. "$(dirname "$0")/common.sh"
expect_ok 6 -- groups "groups: OK 6 ranks"
