#!/bin/bash
# errors.sh: bad arguments return the right error class under
# MPI_ERRORS_RETURN, and the library keeps working.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- errors "errors: OK 13 cases"
expect_ok 3 -- errors "errors: OK 13 cases"
