#!/bin/bash
# persist.sh: persistent requests restarted many times, inactive requests,
# Cancel, Rsend/Irsend, Sendrecv_replace (persist.c).
. "$(dirname "$0")/common.sh"
expect_ok 1 -- persist 60 "persist: OK 1 ranks 60 restarts"
expect_ok 2 -- persist "persist: OK 2 ranks 300 restarts"
expect_ok 5 -- persist 120 "persist: OK 5 ranks 120 restarts"
