#!/bin/bash
# migrate.sh: rank migration under traffic, bit-for-bit checks (migrate.c).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10
# Stop-and-copy moves: the stream faults and figures below are that
# stream's (the default mode, auto, would send the 32 MiB rank pre-copy).
export NMPI_MIGRATION_MODE=stop
expect_ok 4 --spares 2 -- migrate ring 12 "migrate ring: OK 12 laps 4 ranks"
expect_ok 2 --spares 3 -- migrate tour "migrate tour: OK visited 3 spares"
expect_ok 2 --spares 1 -- migrate burst 1 "migrate burst: OK 1 at once"
expect_ok 3 --spares 2 -- migrate burst 2 "migrate burst: OK 2 at once"
expect_ok 4 --spares 4 -- migrate burst 4 "migrate burst: OK 4 at once"
expect_ok 4 --spares 2 -- migrate pairs 8 "migrate pairs: OK 8 rounds"
expect_ok 3 --spares 2 -- migrate pending "migrate pending: OK"
expect_ok 2 --spares 1 -- migrate stale 4 "migrate stale: OK 4 rounds"
NMPI_MIGRATE_KEEP_PAGES=0 expect_ok 2 --spares 1 -- migrate stale 2 "migrate stale: OK 2 rounds"
# A move asked by another rank is reported like one the rank asked for.
NMPI_MIGRATION_REPORT=1 expect_ok 2 --spares 2 -- migrate third 4 "migrate third: OK 4 rounds"
[ "$(grep -c '^nanvix-mpi: rmig: rank 1 moved cluster' "$OUT")" -eq 4 ] ||
    fail "migrate third: want 4 report lines of rank 1's moves"
# Every rank asks to move at the same moment, with rendezvous messages in
# flight: each move completes or is refused (no spare left) promptly. A
# rank offering itself used to make no progress on its messages, while a
# rank it asked sat in quiesce waiting for exactly those messages and
# answered nobody: every such round waited out NMPI_MIGRATE_TIMEOUT (20 s
# here). "Promptly": no round over 2 s on a 2-core machine.
# Before the fix, about one run in two of 6 rounds stalled.
for shape in "4 2" "5 3"; do
    set -- $shape
    NMPI_MIGRATE_TIMEOUT=20 expect_ok "$1" --spares "$2" -- migrate together 12 "migrate together: OK"
    slowest=$(sed -n 's/^migrate together: OK .* slowest round \([0-9.]*\) s$/\1/p' "$OUT")
    awk -v s="$slowest" 'BEGIN { exit !(s != "" && s < 2.0) }' ||
        fail "migrate together -n $1 --spares $2: slowest round ${slowest:-?} s, want under 2 s"
done
expect_ok 3 --spares 1 -- migrate refuse "migrate refuse: OK"
expect_ok 3 -- migrate refuse "migrate refuse: OK"
# The source must stop as soon as the destination rejects the stream, not
# wait out NMPI_MIGRATE_TIMEOUT (60 s here, beyond the 30 s run limit).
NMPI_MIGRATE_TIMEOUT=60 NMPI_TEST_TIMEOUT=30 NMPI_TEST_STREAM_FAULT=corrupt \
    expect_ok 2 --spares 1 -- migrate reject "migrate reject: OK"
NMPI_MIGRATE_TIMEOUT=60 NMPI_TEST_TIMEOUT=30 NMPI_TEST_STREAM_FAULT=corrupt-first \
    expect_ok 2 --spares 1 -- migrate reject "migrate reject: OK"
# A range that fails its checksum in a big stream (checked while later
# ranges are copied): rejected, and the next moves of the 32 MiB rank succeed.
NMPI_MIGRATE_TIMEOUT=60 NMPI_TEST_TIMEOUT=30 NMPI_TEST_STREAM_FAULT=range-first \
    expect_ok 2 --spares 1 -- migrate reject "migrate reject: OK"
NMPI_MIGRATE_TIMEOUT=2 NMPI_TEST_STREAM_FAULT=short-first expect_ok 2 --spares 1 -- migrate reject "migrate reject: OK"
NMPI_MIGRATE_TIMEOUT=2 NMPI_TEST_STREAM_FAULT=short expect_ok 2 --spares 1 -- migrate reject "migrate reject: OK"
# A range written a byte short: its length is checked, not only its checksum.
NMPI_MIGRATE_TIMEOUT=60 NMPI_TEST_TIMEOUT=30 NMPI_TEST_STREAM_FAULT=trunc-first \
    expect_ok 2 --spares 1 -- migrate reject "migrate reject: OK"
grep -q "rejected (-74)" "$OUT" || fail "trunc-first: no stream rejected as a bad message"
# Both ends of a conversation move at the same instant, traffic in flight.
expect_ok 2 --spares 2 -- migrate dual 8 "migrate dual: OK 8 rounds 2 ranks"
expect_ok 4 --spares 4 -- migrate dual 6 "migrate dual: OK 6 rounds 4 ranks"
# The same with the eager/rendezvous switch moved back to 8128 B at run time
# (NMPI_EAGER_LIMIT; the test probes around it): every medium size from
# 8129 B to 64 KiB goes by rendezvous while both ends move.
NMPI_EAGER_LIMIT=8128 NMPI_TEST_EAGER_LIMIT=8128 \
    expect_ok 4 --spares 4 -- migrate dual 4 "migrate dual: OK 4 rounds 4 ranks"
# The same through the fabric's portals (what two hosts use; here the
# writer's same-host copy, np_push, is turned off): traffic in flight on both
# ends, and a stream with a short range rejected.
NMPI_CMA=0 expect_ok 4 --spares 2 -- migrate ring 6 "migrate ring: OK 6 laps 4 ranks"
NMPI_CMA=0 expect_ok 2 --spares 2 -- migrate dual 6 "migrate dual: OK 6 rounds 2 ranks"
NMPI_CMA=0 NMPI_MIGRATE_TIMEOUT=60 NMPI_TEST_TIMEOUT=30 NMPI_TEST_STREAM_FAULT=trunc-first \
    expect_ok 2 --spares 1 -- migrate reject "migrate reject: OK"
