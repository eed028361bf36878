#!/bin/bash
# migrate_precopy.sh: ranks moved at a preemption tick while they keep
# rewriting their heap (1% per 10 ms, a fixed or a sliding set), messages
# in flight both ways, one or two ranks moving at the same moment; heap,
# globals and stack checked bit for bit (migrate_precopy.c). Passes with
# today's stop-and-copy moves; migrate_precopy_rounds.sh asks the same of
# pre-copy moves and is an expected failure until they exist.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20
expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 2 "migrate_precopy: OK hot 16 MiB 1 movers 2 moves"
expect_ok 2 --spares 1 -- migrate_precopy moving 16 1 1 "migrate_precopy: OK moving 16 MiB 1 movers 1 moves"
expect_ok 3 --spares 2 -- migrate_precopy moving 16 2 2 "migrate_precopy: OK moving 16 MiB 2 movers 2 moves"
