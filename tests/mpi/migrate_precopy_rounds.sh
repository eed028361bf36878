#!/bin/bash
# migrate_precopy_rounds.sh: pre-copy moves (NMPI_MIGRATION_MODE=precopy,
# issue 15 item 1), asked by another rank while the movers compute:
# 1. the moves of migrate_precopy.sh in precopy mode, bit for bit, each
#    report line giving the rounds (at least one after round 0 for a
#    256 MiB rank writing a sliding 1%), two ranks moving at once;
# 2. a move whose destination refuses round 2 (NMPI_TEST_STREAM_FAULT=
#    precopy-round2: the source sends at least two rounds after round 0)
#    fails, and the rank runs on at the source with its memory intact.
# 3. both ends of conversations moving at the same instant, 1 MiB
#    rendezvous messages in flight (migrate dual, 4 ranks): a receive's
#    buffer written by the sender's kernel copy (np_push) while a round
#    re-protected its pages used to arrive stale, the receive complete with
#    the previous round's bytes (1 run in 4; rmig_transfer_landed now
#    stores into such pages; test_rmig_dirty's remote hammer is the exact
#    check). Three runs, the last through the fabric's portals.
# 4. a rank that asks a move of its own while a pre-copy move asked by
#    another rank is under way (MIGRATE_PRECOPY_SELF=after-ask): its call
#    waits for that move, then moves it again; both moves reported.
# migrate_precopy_faults.sh tries harder to break them.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20 NMPI_MIGRATION_MODE=precopy NMPI_MIGRATION_REPORT=1
expect_ok 2 --spares 1 -- migrate_precopy moving 256 1 1 "migrate_precopy: OK moving 256 MiB 1 movers 1 moves"
grep -q '^nanvix-mpi: rmig: rank 1 moved cluster .* precopy [1-9][0-9]* rounds' "$OUT" ||
    fail "no pre-copy report line with rounds"
expect_ok 3 --spares 2 -- migrate_precopy hot 16 2 1 "migrate_precopy: OK hot 16 MiB 2 movers 1 moves"
[ "$(grep -c ' precopy [0-9]* rounds' "$OUT")" -eq 2 ] || fail "want 2 pre-copy report lines"
NMPI_TEST_STREAM_FAULT=precopy-round2 MIGRATE_PRECOPY_EXPECT_STAY=1 \
    expect_ok 2 --spares 1 -- migrate_precopy moving 16 1 1 "migrate_precopy: OK moving 16 MiB 1 movers 1 moves"
# 3. Both ends of conversations move at once, rendezvous data in flight.
for cma in 1 1 0; do
    NMPI_CMA=$cma expect_ok 4 --spares 4 -- migrate dual 6 "migrate dual: OK 6 rounds 4 ranks"
    [ "$(grep -c ' precopy [0-9]* rounds' "$OUT")" -ge 12 ] ||
        fail "dual (NMPI_CMA=$cma): want 12 pre-copy report lines or more"
done
# 4. Its own move while an asked one runs its rounds.
MIGRATE_PRECOPY_SELF=after-ask expect_ok 2 --spares 2 -- migrate_precopy moving 256 1 1 \
    "migrate_precopy: OK moving 256 MiB 1 movers 1 moves"
[ "$(grep -c '^nanvix-mpi: rmig: rank 1 moved cluster .* precopy [0-9]* rounds' "$OUT")" -eq 2 ] ||
    fail "after-ask: want 2 pre-copy moves of rank 1 (asked, then its own)"
