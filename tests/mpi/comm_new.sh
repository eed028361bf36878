#!/bin/bash
# comm_new.sh: communicators made with info hints, by MPI_Comm_idup (also
# overlapping ones pending at once) and by MPI_Comm_create_group (only the
# group takes part), with the error classes of bad arguments; then idups
# pending while two ranks move at the same moment (comm_new.c).
. "$(dirname "$0")/common.sh"
expect_ok 3 -- comm_new basic 2 "comm_new basic: OK 3 ranks 2 rounds"
expect_ok 6 -- comm_new basic 2 "comm_new basic: OK 6 ranks 2 rounds"
ours || exit 0 # migration is a nanvix-mpi extension
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 3 --spares 2 -- comm_new migrate 6 "comm_new migrate: OK 3 ranks 6 rounds"
expect_ok 5 --spares 2 -- comm_new migrate 5 "comm_new migrate: OK 5 ranks 5 rounds"
