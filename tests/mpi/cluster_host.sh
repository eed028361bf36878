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
# By each line's label, not by line order: the lines of the spare's
# process and of cluster 0's reach mpiexec through different pipes, and a
# loaded machine was seen to print "back" before "moved".
path=""
for when in start moved back; do
    path+="$(sed -n "s/^cluster_host: rank 0 on cluster \([0-9]*\) host .* ($when)\$/\1/p" "$OUT") "
done
[ "$path" = "0 3 0 " ] || fail "rank 0 went through clusters '$path', want '0 3 0 '"
echo PASS
