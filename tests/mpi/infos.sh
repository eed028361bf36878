#!/bin/bash
# infos.sh: MPI_Info objects by exact value and error class, MPI_INFO_ENV
# and MPI_Info_create_env, objects made before MPI_Init and used after
# MPI_Finalize; then objects of 200 keys read back after their rank moved,
# two ranks moving at once (infos.c).
. "$(dirname "$0")/common.sh"
expect_ok 1 -- infos basic 2 extra "two words" "infos basic: OK 1 ranks 2 rounds"
expect_ok 3 -- infos basic 2 "infos basic: OK 3 ranks 2 rounds"
ours || exit 0 # migration is a nanvix-mpi extension
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 3 --spares 2 -- infos migrate 6 "infos migrate: OK 3 ranks 6 rounds"
