#!/bin/bash
# rma_errors.sh: bad RMA calls give their exact MPI error class through the
# window's error handler (rma_errors.c).
. "$(dirname "$0")/common.sh"
expect_ok 1 -- rma_errors "rma_errors: OK 1 ranks"
expect_ok 3 -- rma_errors "rma_errors: OK 3 ranks"
