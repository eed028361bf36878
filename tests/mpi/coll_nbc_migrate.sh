#!/bin/bash
# coll_nbc_migrate.sh: the same while ranks move (coll_nbc.c, mode migrate):
# two ranks at the same moment with seventeen nonblocking collectives in
# flight, then with a start of seventeen persistent ones in flight, and a
# third moved by rank 0 between two starts.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 4 --spares 3 -- coll_nbc migrate 4 "coll_nbc migrate: OK 4 rounds 4 ranks"
expect_ok 3 --spares 3 -- coll_nbc migrate 3 "coll_nbc migrate: OK 3 rounds 3 ranks"
