#!/bin/bash
# via_hosts.sh: moves through a checkpoint file between emulated hosts.
#
# The image directory must be reachable under the same path by both ends of
# a move: here $TMPD, one file system every emulated host mounts (as NFS
# would be between real hosts).
# 1. -n 2 --spares 2 on h0,h1 (cluster c on h(c % 2)): rank 0 tours clusters
#    2 (h0), 3 (h1), 0 (h0) again and again, through a checkpoint and live in
#    turn, with messages in flight both ways each round: its memory checked
#    after each move, the digest bit for bit that of a run without moves;
#    moves through a checkpoint both inside a host and between hosts.
# 2. A directory h1 does not see (NMPI_HOSTS_H0_ONLY: an empty file system
#    over it there, as a local disk of h0): the move from h0 to cluster 3
#    (h1) is refused by the destination, rank 0 stays on h0 intact and the
#    job carries on; the same directory works for a move inside h0.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
. "$(dirname "$0")/jobs.sh"
ours || skip "migration is a nanvix-mpi extension"
hosts_check || exit 77
unset FI_PROVIDER
export NMPI_MIGRATE_TIMEOUT=20 NMPI_MIGRATION_REPORT=1
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
IMG=$TMPD/images
mkdir -p "$IMG"
hosts_up 2 || fail "cannot make the emulated hosts"

# via_moves IN|BETWEEN: checkpoint moves of the last job inside a host or
# between hosts (clusters 0, 2 on h0; 1, 3 on h1).
via_moves() {
    sed -n 's/^nanvix-mpi: rmig: rank [0-9]* moved cluster \([0-9]*\) -> \([0-9]*\):.*stream checkpoint.*/\1 \2/p' "$OUT" |
        while read -r a b; do [ $((a % 2)) = $((b % 2)) ] && echo IN || echo BETWEEN; done | grep -cx "$1"
}

echo "== 1. a tour over two hosts"
expect_on h0,h1 2 --spares 2 -- migrate_via none 6 "migrate_via none: OK"
want=$(grep '^migrate_via digest:' "$OUT")
expect_on h0,h1 2 --spares 2 -- migrate_via tour 6 "$IMG" "migrate_via tour: OK"
[ "$(grep '^migrate_via digest:' "$OUT")" = "$want" ] || fail "tour: digest differs from the run without moves"
[ "$(via_moves BETWEEN)" -eq 2 ] && [ "$(via_moves IN)" -eq 1 ] ||
    fail "tour: want 2 moves through a checkpoint between hosts and 1 inside h0"
[ -z "$(ls -A "$IMG")" ] || fail "files left in $IMG: $(ls -A "$IMG")"

echo "== 2. a directory the destination's host does not see"
export NMPI_HOSTS_H0_ONLY=$IMG
expect_on h0,h1 2 --spares 2 -- migrate_via unreachable 3 "$IMG" 2 "migrate_via unreachable: OK"
unset NMPI_HOSTS_H0_ONLY
grep -q "cluster 3: checkpoint image $IMG/move-.* of rank 0 from cluster 0 rejected (No such file or directory)" "$OUT" ||
    fail "unreachable: the destination did not say why it refused"
grep -q "^migrate_via refused (image out of the destination's reach): Other MPI error" "$OUT" ||
    fail "unreachable: no refusal"
[ "$(moves_of 0 | tr '\n' ' ')" = "2 " ] || fail "rank 0 went to '$(moves_of 0 | tr '\n' ' ')', want '2 '"
[ -z "$(ls -A "$IMG")" ] || fail "files left in $IMG: $(ls -A "$IMG")"

hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"
