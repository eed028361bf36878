#!/bin/bash
# cluster_host.sh: MPIX_Cluster_host and MPIX_Rank_cluster on one host: the
# processor name is the cluster's host name before and after rank 0 moves to
# a spare and back, every rank sees rank 0 where it is, bad arguments get
# their error classes (cluster_host.c). tests/hosts/placement.sh runs the
# same program on two hosts, where the host changes with the move.
. "$(dirname "$0")/common.sh"
ours || skip "MPIX_Cluster_host is a nanvix-mpi extension"
run_mpi 3 --spares 1 -- "$BINDIR/cluster_host" 3 || fail "exit status $? (want 0)"
grep -q '^cluster_host: OK$' "$OUT" || fail "no OK line"
path=$(sed -n 's/^cluster_host: rank 0 on cluster \([0-9]*\) host .*/\1/p' "$OUT" | tr '\n' ' ')
[ "$path" = "0 3 0 " ] || fail "rank 0 went through clusters '$path', want '0 3 0 '"
echo PASS
