#!/bin/bash
# p2p_direct.sh: blocking MPI_Send/MPI_Recv of built-in types (the path
# without a request handle) keep order, status and bytes while both ends of
# every pair move with messages in flight, several ranks at once
# (p2p_direct.c).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 4 --spares 2 -- p2p_direct 4 "p2p_direct: OK 4 ranks 4 rounds"
expect_ok 3 --spares 2 -- p2p_direct 3 "p2p_direct: OK 3 ranks 3 rounds"
