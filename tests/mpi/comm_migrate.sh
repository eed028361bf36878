#!/bin/bash
# comm_migrate.sh: split/dup communicators, attributes, groups and persistent
# requests keep working while ranks migrate between calls (comm_migrate.c).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 4 --spares 2 -- comm_migrate 8 "comm_migrate: OK 4 ranks 8 rounds"
expect_ok 3 --spares 1 -- comm_migrate 6 "comm_migrate: OK 3 ranks 6 rounds"
