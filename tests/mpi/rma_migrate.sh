#!/bin/bash
# rma_migrate.sh: RMA operations in flight while their origin, their target,
# several ranks at once, or a rank moved by another move (rma_migrate.c);
# every Fetch_and_op and Accumulate applied exactly once.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 3 --spares 1 -- rma_migrate origin 6 "rma_migrate origin: OK 3 ranks 6 rounds"
expect_ok 3 --spares 1 -- rma_migrate target 6 "rma_migrate target: OK 3 ranks 6 rounds"
expect_ok 4 --spares 2 -- rma_migrate many 6 "rma_migrate many: OK 4 ranks 6 rounds"
expect_ok 4 --spares 2 -- rma_migrate third 6 "rma_migrate third: OK 4 ranks 6 rounds"
