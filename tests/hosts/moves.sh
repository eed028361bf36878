#!/bin/bash
# moves.sh: moves between emulated hosts that must work, and those that must
# fail safely (issue 13, items 2 and 6, and its must-show tests).
#
# 1. Three hosts, 6 ranks, 3 spares, clusters round robin (cluster c on
#    h(c % 3)): all-pairs traffic of mixed sizes with MPI_ANY_SOURCE while
#    two ranks that talk to each other move at the same moment every round,
#    with messages in flight both ways (migrate pairs 6 2): every payload and
#    the per-sender order are checked; the report lines must show moves
#    inside a host and between hosts.
# 2. A rank moved h0 -> h1 -> h2 -> h0 (back to the cluster it started on)
#    -> h0 (another cluster), its globals, heap and stack checked after each
#    move and a token passed round the job after each; the hosts it went
#    through are read back from the report lines.
# 3. The layout fingerprint between hosts: h1 sees another build of the
#    program at the same path (nmpi-host-exec's NMPI_HOSTS_OVERLAY bind-mounts
#    tests/hosts/migrate_variant on tests/mpi/migrate there). Moves from h0
#    to h1 are refused with MPI_ERR_UNSUPPORTED_OPERATION and a text naming
#    the fingerprint, the rank stays intact, a move inside h1 (same build)
#    works, and the job ends with its result checked.
# After every job: nothing in any host's /dev/shm, no process on any host.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
. "$(dirname "$0")/jobs.sh"
ours || skip "moves between hosts are a nanvix-mpi extension"
hosts_check || exit 77
unset FI_PROVIDER
export NMPI_MIGRATE_TIMEOUT=20 NMPI_LOG=info NMPI_MIGRATION_REPORT=1
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# host_path HOSTOF...: the hosts rank 0 went through in the last job, from
# the report lines, starting where it started (cluster 0): "h0 h1 ...".
host_path() {
    local hostof=("$@") c path=h${hostof[0]}
    for c in $(moves_of 0); do path="$path h${hostof[c]}"; done
    echo "$path"
}

hosts_up 3 || fail "hosts_up 3"

# 1. Pairs that talk move at the same moment, inside and between hosts.
start=$(date +%s.%N)
expect_on h0,h1,h2 6 --spares 3 -- migrate pairs 6 2 "migrate pairs: OK 6 rounds, 2 moving at once"
read -r inside between <<<"$(count_moves 0 1 2 0 1 2 0 1 2)"
echo "pairs: $inside moves inside a host, $between between hosts ($(echo "$(date +%s.%N) - $start" | bc) s)"
[ $((inside + between)) = 12 ] || fail "pairs: want 12 moves (2 a round), saw $((inside + between))"
[ "$inside" -ge 2 ] && [ "$between" -ge 2 ] || fail "pairs: want 2 moves or more of each kind"

# 2. There and back: clusters 0, 3 on h0, 1, 4 on h1, 2 on h2; rank 1 on
# cluster 1 answers the token from h1.
expect_on h0,h1,h2 2 --spares 3 -- migrate path 4 2 0 3 "migrate path: OK 4 moves"
path=$(host_path 0 1 2 0 1)
[ "$path" = "h0 h1 h2 h0 h0" ] || fail "rank 0 went through hosts '$path', want 'h0 h1 h2 h0 h0'"
[ "$(moves_of 0 | tr '\n' ' ')" = "4 2 0 3 " ] || fail "rank 0 went to clusters '$(moves_of 0 | tr '\n' ' ')'"
[ "$(grep -c '^migrate path: rank 0 on cluster' "$OUT")" = 4 ] || fail "rank 0 did not check in after each move"
echo "there and back: $path"

# 3. Another build at the same path on h1: -hosts h0:2,h1:2, ranks 0 and 1
# on h0, rank 2 and the spare (cluster 3) on h1.
export NMPI_HOSTS_OVERLAY="h1:$BINDIR/migrate=$top_builddir/tests/hosts/migrate_variant"
expect_on h0:2,h1:2 3 --spares 1 -- migrate layout "migrate layout: OK"
unset NMPI_HOSTS_OVERLAY
grep -q "^migrate layout: to 3 refused: Unsupported operation (the destination's layout fingerprint differs" "$OUT" ||
    fail "no refusal of the move to cluster 3 with its reason"
grep -q "^nanvix-mpi: rmig: rank 0: move to cluster 3 failed: the destination's layout fingerprint differs" "$OUT" ||
    fail "no report line of the refusal"
[ "$(moves_of 2 | tr '\n' ' ')" = "3 " ] || fail "rank 2 did not move inside h1: '$(moves_of 2)'"
[ -z "$(moves_of 0)" ] || fail "rank 0 moved: $(moves_of 0)"
echo "layout: moves to the other build refused, the job went on"

hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"
echo "moves: OK"
