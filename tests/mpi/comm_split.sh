#!/bin/bash
# comm_split.sh: Comm_split/create/dup/compare with pt2pt and collectives in
# every sub-communicator (the schedule-based ones too), checked against a
# serial reference (comm_split.c).
. "$(dirname "$0")/common.sh"
expect_ok 1 -- comm_split 20 "comm_split: OK 1 ranks"
expect_ok 4 -- comm_split "comm_split: OK 4 ranks"
expect_ok 7 -- comm_split 60 "comm_split: OK 7 ranks"
