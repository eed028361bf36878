#!/bin/bash
# intercomm_migrate.sh: ranks of both intercommunicator groups move, two at
# the same moment, the two ends of an exchange, with receives and
# nonblocking collectives in flight (intercomm.c, mode migrate).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 5 --spares 2 -- intercomm migrate 2 6 "intercomm migrate: OK 2+3 6 rounds"
expect_ok 4 --spares 2 -- intercomm migrate 1 4 "intercomm migrate: OK 1+3 4 rounds"
