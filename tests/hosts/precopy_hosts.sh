#!/bin/bash
# precopy_hosts.sh: pre-copy moves between emulated hosts (issue 15).
#
# -n 3 --spares 3 on h0,h1 (cluster c on h(c % 2)): ranks 1 and 2 rewrite
# 1% of their 64 MiB heap per 10 ms (a sliding set) while rank 0 asks both
# to move at once, twice, with messages in flight both ways; each mover
# checks its heap, globals and stack bit for bit after each move. Every move
# is a pre-copy move (report line with rounds), and at least one crosses
# hosts (the rounds and the final round through libfabric's TCP provider,
# not the same-host kernel copy). Then a destination on the other host
# refuses round 2: the rank stays where it was, intact.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
. "$(dirname "$0")/jobs.sh"
ours || skip "migration is a nanvix-mpi extension"
hosts_check || exit 77
unset FI_PROVIDER
export NMPI_MIGRATE_TIMEOUT=20 NMPI_MIGRATION_REPORT=1 NMPI_MIGRATION_MODE=precopy
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
hosts_up 2 || fail "cannot make the emulated hosts"

echo "== 1. two ranks moving at once, twice, over two hosts"
expect_on h0,h1 3 --spares 3 -- migrate_precopy moving 64 2 2 "migrate_precopy: OK moving 64 MiB 2 movers 2 moves"
[ "$(grep -c 'moved cluster .* precopy [0-9]* rounds' "$OUT")" -eq 4 ] || fail "want 4 pre-copy moves"
read -r in between <<<"$(count_moves h0 h1 h0 h1 h0 h1)"
echo "moves inside a host: $in, between hosts: $between"
[ "$between" -ge 1 ] || fail "no pre-copy move crossed hosts"

echo "== 2. a destination that refuses round 2"
NMPI_TEST_STREAM_FAULT=precopy-round2 MIGRATE_PRECOPY_EXPECT_STAY=1 \
    expect_on h0,h1 2 --spares 2 -- migrate_precopy moving 16 1 1 "migrate_precopy: OK moving 16 MiB 1 movers 1 moves"
grep -q "pre-copy of rank 1 from cluster 1 rejected" "$OUT" || fail "the destination did not refuse"
[ -z "$(moves_of 1)" ] || fail "rank 1 moved to '$(moves_of 1)'"

hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"
