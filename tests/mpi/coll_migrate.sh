#!/bin/bash
# coll_migrate.sh: collectives while ranks move between calls and with
# nonblocking collectives pending (coll_full.c, mode migrate).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 3 --spares 2 -- coll_full migrate 6 "coll_full migrate: OK 6 rounds 3 ranks"
expect_ok 4 --spares 1 -- coll_full migrate 4 "coll_full migrate: OK 4 rounds 4 ranks"
expect_ok 4 --spares 2 -- coll_full migrate-shapes 2 "coll_full migrate-shapes: OK 4 ranks"
# A rank moved by another while it is blocked inside a collective.
expect_ok 3 --spares 1 -- coll_full migrate-inside 2 "coll_full migrate-inside: OK 2 rounds 3 ranks"
expect_ok 4 --spares 2 -- coll_full migrate-inside 2 "coll_full migrate-inside: OK 2 rounds 4 ranks"
