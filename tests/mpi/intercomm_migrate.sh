#!/bin/bash
# intercomm_migrate.sh: ranks of both intercommunicator groups move, two at
# the same moment, the two ends of an exchange, with receives and
# nonblocking collectives in flight, and ranks moved by another while
# blocked inside a collective (intercomm.c, modes migrate, migrate-inside).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 5 --spares 2 -- intercomm migrate 2 6 "intercomm migrate: OK 2+3 6 rounds"
expect_ok 4 --spares 2 -- intercomm migrate 1 4 "intercomm migrate: OK 1+3 4 rounds"
# A rank of either group moved by another while blocked inside a collective.
expect_ok 5 --spares 1 -- intercomm migrate-inside 2 2 "intercomm migrate-inside: OK 2+3 2 rounds"
expect_ok 4 --spares 1 -- intercomm migrate-inside 1 2 "intercomm migrate-inside: OK 1+3 2 rounds"
