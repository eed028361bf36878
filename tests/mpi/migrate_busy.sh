#!/bin/bash
# migrate_busy.sh: moves on an oversubscribed node, correctness only (the
# timing is bench/run-busy-move.sh's). Four busy loops per core, each in a
# session of its own (autogroup scheduling shares a core between sessions,
# and every cluster is one), run around every job and are killed by their
# process ids at the end. migrate_busy.c: every rank moves at the same
# moment with messages in flight, heap and payloads checked bit for bit,
# and no thread left at the nice a move's stream ran with (np_boost.c);
# migrate_precopy.c: ranks moved at a preemption tick while they rewrite
# their heap, checked bit for bit.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=60
burners=$((4 * $(nproc)))
burners_stop() {
    local f
    for f in "$TMPD"/burner.*.pid; do
        [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
}
trap 'burners_stop; rm -rf "$TMPD"' EXIT
for i in $(seq "$burners"); do
    setsid sh -c "echo \$\$ >'$TMPD/burner.$i.pid'; exec sh -c 'while :; do :; done'" \
        </dev/null >/dev/null 2>&1 &
done
for i in $(seq "$burners"); do
    until [ -s "$TMPD/burner.$i.pid" ]; do sleep 0.05; done
done
expect_ok 2 --spares 2 -- migrate_busy 16 3 "migrate_busy: OK 16 MiB 3 moves"
expect_ok 3 --spares 2 -- migrate_precopy moving 16 2 1 "migrate_precopy: OK moving 16 MiB 2 movers 1 moves"
# Post-copy moves under the same load: both ends hurry through the pause
# (the destination between its fault handler's start and the source's
# decision only), and no thread of the rank's cluster keeps their nice.
# Each move after the first waits for the pages of the one before (it was
# refused: the job failed with "the destination cluster is busy").
NMPI_MIGRATION_MODE=postcopy expect_ok 2 --spares 2 -- migrate_busy 16 3 "migrate_busy: OK 16 MiB 3 moves"
