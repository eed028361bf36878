#!/bin/bash
# placement.sh: MPIX_Cluster_host, MPIX_Rank_cluster and MPI_Get_processor_name
# across two emulated hosts (issue 13, item 5).
#
# cluster_host runs with -hosts h0:2,h1:2 -n 2 --spares 2: ranks 0 and 1 on
# h0 (clusters 0, 1), spares 2 and 3 on h1. Rank 0 moves to cluster 2 (h1)
# and back to cluster 0 (h0); after each move its processor name is the
# host it runs on now, equal to MPIX_Cluster_host of its cluster, and rank
# 1 sees it on its new cluster (MPIX_Rank_cluster). The script checks the
# hosts each rank reported: rank 0 h0, h1, h0; rank 1 h0 throughout.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
ours || skip "MPIX_Cluster_host is a nanvix-mpi extension"
hosts_check || exit 77
unset FI_PROVIDER
export NMPI_MIGRATE_TIMEOUT=20
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
hosts_up 2 || fail "cannot make the emulated hosts"

echo "+ (h0) mpiexec -hosts h0:2,h1:2 -n 2 --spares 2 cluster_host 2"
hosts_run 0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -hosts h0:2,h1:2 -launcher ssh \
    -launcher-exec "$HOSTS_EXEC" -n 2 --spares 2 "$BINDIR/cluster_host" 2 >"$OUT" 2>&1
st=$?
cat "$OUT"
[ $st -eq 0 ] || fail "exit status $st (want 0)"
grep -q '^cluster_host: OK$' "$OUT" || fail "no OK line"
for want in "0:0/h0 2/h1 0/h0 " "1:1/h0 1/h0 1/h0 "; do
    r=${want%%:*}
    got=$(sed -n "s|^cluster_host: rank $r on cluster \([0-9]*\) host \([^ ]*\) .*|\1/\2|p" "$OUT" |
        tr '\n' ' ')
    [ "$got" = "${want#*:}" ] || fail "rank $r ran on '$got', want '${want#*:}'"
done
for i in $(seq 50); do
    procs=$(hosts_ns_pids "$HOSTS_PREFIX-h0")$(hosts_ns_pids "$HOSTS_PREFIX-h1")
    [ -z "$(hosts_shm_files)" ] && [ -z "$procs" ] && break
    sleep 0.1
done
[ -z "$(hosts_shm_files)" ] || fail "left in /dev/shm: $(hosts_shm_files | tr '\n' ' ')"
[ -z "$procs" ] || fail "processes left on the hosts: $procs"
hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"
echo "PASS"
