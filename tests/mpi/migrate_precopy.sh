#!/bin/bash
# migrate_precopy.sh: ranks moved at a preemption tick while they keep
# rewriting their heap (1% per 10 ms, a fixed or a sliding set), messages
# in flight both ways, one or two ranks moving at the same moment; heap,
# globals and stack checked bit for bit (migrate_precopy.c), in the
# default mode (auto: these 16 MiB ranks go stop-and-copy);
# migrate_precopy_rounds.sh asks the same of pre-copy moves. Then the
# default mode's choice: stop-and-copy when the cost model predicts a
# pause of at most NMPI_MIGRATION_AUTO_MS (times the host's load), else
# pre-copy.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20
expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 2 "migrate_precopy: OK hot 16 MiB 1 movers 2 moves"
expect_ok 2 --spares 1 -- migrate_precopy moving 16 1 1 "migrate_precopy: OK moving 16 MiB 1 movers 1 moves"
expect_ok 3 --spares 2 -- migrate_precopy moving 16 2 2 "migrate_precopy: OK moving 16 MiB 2 movers 2 moves"

# auto (the default): the model's predicted pause, times the host's
# runnable threads per CPU (NMPI_MIGRATION_AUTO_LOAD: counted, or given),
# against the limit.
model=$TMPD/model
printf '%s\n' "nanvix-mpi-migration-model 1" "measured by migrate_precopy.sh" \
    "local downtime 0.5 0 0.99 10" "local total 0.6 0 0.99 10" >"$model"
NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_REPORT=1 NMPI_LOG=info \
    expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 1 "migrate_precopy: OK hot 16 MiB 1 movers 1 moves"
grep -q '^nanvix-mpi: rmig: rank 1 moved cluster .* precopy [0-9]* rounds' "$OUT" ||
    fail "auto, a predicted pause of 500 ms: the move was not pre-copy"
grep -q 'auto: pre-copy (a stop-and-copy pause of 500.0 ms predicted for [0-9]* bytes, [0-9.]* ms at [0-9.]* runnable threads per CPU, limit 10.0 ms, path local)' "$OUT" ||
    fail "auto: the choice is not logged"
NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_AUTO_MS=1000 NMPI_MIGRATION_AUTO_LOAD=1 NMPI_MIGRATION_REPORT=1 \
    expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 1 "migrate_precopy: OK hot 16 MiB 1 movers 1 moves"
grep -q '^nanvix-mpi: rmig: rank 1 moved cluster ' "$OUT" || fail "auto: no report line"
! grep -q ' precopy [0-9]* rounds' "$OUT" ||
    fail "auto with NMPI_MIGRATION_AUTO_MS=1000 on an idle host: a 500 ms pause should go stop-and-copy"
# The same pause on a host whose CPUs each have 2.5 threads to run: 1250 ms.
NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_AUTO_MS=1000 NMPI_MIGRATION_AUTO_LOAD=2.5 \
    NMPI_MIGRATION_REPORT=1 NMPI_LOG=info \
    expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 1 "migrate_precopy: OK hot 16 MiB 1 movers 1 moves"
grep -q '^nanvix-mpi: rmig: rank 1 moved cluster .* precopy [0-9]* rounds' "$OUT" ||
    fail "auto, 500 ms predicted at 2.5 runnable threads per CPU: the move was not pre-copy"
grep -q 'auto: pre-copy (a stop-and-copy pause of 500.0 ms predicted for [0-9]* bytes, 1250.0 ms at 2.5 runnable threads per CPU, limit 1000.0 ms, path local)' "$OUT" ||
    fail "auto at 2.5 runnable threads per CPU: the choice is not logged"
# A load under 1 is refused (warned) and counted instead.
NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_AUTO_LOAD=0.5 NMPI_LOG=info \
    expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 1 "migrate_precopy: OK hot 16 MiB 1 movers 1 moves"
grep -q 'NMPI_MIGRATION_AUTO_LOAD' "$OUT" || fail "NMPI_MIGRATION_AUTO_LOAD=0.5: no warning"
grep -q 'auto: pre-copy (a stop-and-copy pause of 500.0 ms predicted for [0-9]* bytes, [0-9.]* ms at [0-9.]* runnable threads per CPU' "$OUT" ||
    fail "NMPI_MIGRATION_AUTO_LOAD=0.5: the choice is not logged"
NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_MODE=stop NMPI_MIGRATION_REPORT=1 \
    expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 1 "migrate_precopy: OK hot 16 MiB 1 movers 1 moves"
! grep -q ' precopy [0-9]* rounds' "$OUT" || fail "NMPI_MIGRATION_MODE=stop: the move was pre-copy"
