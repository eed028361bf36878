#!/bin/bash
# comm_errors.sh: error classes of the communicator, group, attribute and
# error-handler calls, and user error handlers (comm_errors.c).
. "$(dirname "$0")/common.sh"
expect_ok 1 -- comm_errors "comm_errors: OK 31 cases"
expect_ok 3 -- comm_errors "comm_errors: OK 31 cases"
