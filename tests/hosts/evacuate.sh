#!/bin/bash
# evacuate.sh: `mpimigrate --evacuate HOST` empties a host of a running job
# (issue 13, item 4), and `mpimigrate --where` says where every cluster runs
# (item 5), on three emulated hosts.
#
# mpimigrate_job (a ring of rendezvous-sized messages, every payload checked
# bit for bit, checksums recomputed at the end) runs with
# -hosts h0:2,h2:2,h1:2 -n 6 --spares 3: Hydra fills the hosts in that order
# and wraps, so clusters 0,1 are on h0, 2,3 on h2, 4,5 on h1, 6,7 on h0 and 8
# on h2: ranks on all three hosts, spares on two (6, 7 on h0; 8 on h2).
# The job directory exists only on h0 (NMPI_HOSTS_H0_ONLY), so every request
# and every placement enters at a cluster of h0. mpimigrate runs on h0:
#  1. --where lists that placement (checked line by line);
#  2. --evacuate h1 while the ring runs: ranks 4 and 5 leave h1, spread over
#     the other hosts, the host with the fewest ranks first (a tie: the host
#     of lower number, h0, first): rank 4 -> cluster 6 (h0), rank 5 ->
#     cluster 8 (h2); one report line per rank; exit 0; --where shows h1
#     without a rank;
#  3. --evacuate h0: 3 ranks there, 2 idle clusters elsewhere: exit 5, a line
#     for the rank that could not be placed, and nothing moved (--where
#     unchanged);
#  4. --evacuate h9: a usage error (exit 1) naming the job's hosts;
#  5. --serial --evacuate h2 (ranks 2, 3, 5; idle: 4, 5 on h1, 7 on h0):
#     one move after the other, 2 and 3 to h1 and 5 to h0; exit 0.
# Then the job ends: its result is checked, each rank's path through the
# clusters is the one asked, and nothing is left on any host.
#  6. A second job: a move that fails (a damaged container stream, the rank
#     stays) is asked once more, to another idle cluster; exit 0.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
ours || skip "mpimigrate is a nanvix-mpi extension"
hosts_check || exit 77
. "$(dirname "$0")/mm.sh"
mm_hosts_up 3


# where_is: the placement as "cluster:host:what" words, one per cluster.
where_is() {
    mm 0 --where >&2
    sed -n 's/^ *\([0-9][0-9]*\)  \(h[0-9]\) *  \(.*\)$/\1:\2:\3/p' "$TMPD/mm.out" | tr ' ' _ |
        tr '\n' ' '
}

JOB_OUT=$TMPD/job.out
echo "+ (h0) mpiexec -hosts h0:2,h2:2,h1:2 -n 6 --spares 3 mpimigrate_job &"
hosts_run 0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -hosts h0:2,h2:2,h1:2 -launcher ssh \
    -launcher-exec "$HOSTS_EXEC" -n 6 --spares 3 "$BINDIR/mpimigrate_job" "$TMPD/stop" 150 \
    >"$JOB_OUT" 2>&1 &
JOB_PID=$!
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: ready"
for r in 0 1 2 3 4 5; do wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank $r on cluster $r"; done
job=$(ls "$NMPI_RUN_DIR")
[[ "$job" =~ ^[0-9]+$ ]] || fail "want one job directory in $NMPI_RUN_DIR, found '$job'"

# 1. The placement at start.
want="0:h0:rank_0 1:h0:rank_1 2:h2:rank_2 3:h2:rank_3 4:h1:rank_4 5:h1:rank_5 6:h0:idle 7:h0:idle 8:h2:idle "
got=$(where_is)
[ "$got" = "$want" ] || fail "placement at start: '$got', want '$want'"
has "^job $job: 6 ranks, 9 clusters on 3 hosts \(asked through cluster [0167]\)$"
# --list with --job is --where.
mm 0 --job "$job" --list
has "^      4  h1 +rank 4$"

# 2. Evacuate h1 under traffic.
mm 0 --evacuate h1
has "^rank 4: cluster 4 \(h1\) -> cluster 6 \(h0\): moved, downtime [0-9.]+ ms$"
has "^rank 5: cluster 5 \(h1\) -> cluster 8 \(h2\): moved, downtime [0-9.]+ ms$"
has "^evacuate h1: 2 of 2 ranks moved in [0-9.]+ ms \(all at once\)$"
has "^h1 runs no rank of job $job now$"
[ "$(grep -c '^rank [0-9]*:' "$TMPD/mm.out")" = 2 ] || fail "want exactly 2 rank lines"
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 4 on cluster 6"
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 5 on cluster 8"
want="0:h0:rank_0 1:h0:rank_1 2:h2:rank_2 3:h2:rank_3 4:h1:idle 5:h1:idle 6:h0:rank_4 7:h0:idle 8:h2:rank_5 "
got=$(where_is)
[ "$got" = "$want" ] || fail "placement after evacuating h1: '$got', want '$want'"

# 3. Too few idle clusters elsewhere: nothing moves.
mm 5 --evacuate h0
has "^mpimigrate: cannot evacuate h0: 3 ranks run there but the other hosts have only 2 idle clusters; nothing was moved$"
has "^rank 4: cluster 6 \(h0\): not placed: no idle cluster left on another host$"
! grep -q "moved, downtime" "$TMPD/mm.out" || fail "a rank moved"
got=$(where_is)
[ "$got" = "$want" ] || fail "placement after the refused evacuation: '$got', want '$want'"

# 4. An unknown host.
mm 1 --evacuate h9
has "^mpimigrate: job $job runs on no host named 'h9'; its hosts: h0 h2 h1$"

# 5. One move after the other.
mm 0 --serial --evacuate h2
has "^rank 2: cluster 2 \(h2\) -> cluster 4 \(h1\): moved, downtime [0-9.]+ ms$"
has "^rank 3: cluster 3 \(h2\) -> cluster 5 \(h1\): moved, downtime [0-9.]+ ms$"
has "^rank 5: cluster 8 \(h2\) -> cluster 7 \(h0\): moved, downtime [0-9.]+ ms$"
has "^evacuate h2: 3 of 3 ranks moved in [0-9.]+ ms \(one after the other\)$"
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 5 on cluster 7"
want="0:h0:rank_0 1:h0:rank_1 2:h2:idle 3:h2:idle 4:h1:rank_2 5:h1:rank_3 6:h0:rank_4 7:h0:rank_5 8:h2:idle "
got=$(where_is)
[ "$got" = "$want" ] || fail "placement after evacuating h2: '$got', want '$want'"

touch "$TMPD/stop"
wait $JOB_PID
st=$?
cat "$JOB_OUT"
[ $st -eq 0 ] || fail "the job ended with status $st"
grep -q "^mpimigrate_job: OK [0-9]* iterations" "$JOB_OUT" || fail "no OK line"
for p in "0:0 " "1:1 " "2:2 4 " "3:3 5 " "4:4 6 " "5:5 8 7 "; do
    r=${p%%:*}
    path=$(sed -n "s/^mpimigrate_job: rank $r on cluster \([0-9]*\)$/\1/p" "$JOB_OUT" | tr '\n' ' ')
    [ "$path" = "${p#*:}" ] || fail "rank $r went through clusters '$path', want '${p#*:}'"
done
for i in $(seq 50); do
    procs=
    for k in 0 1 2; do procs="$procs$(hosts_ns_pids "$HOSTS_PREFIX-h$k")"; done
    [ -z "$(hosts_shm_files)" ] && [ -z "$procs" ] && break
    sleep 0.1
done
[ -z "$(hosts_shm_files)" ] || fail "left in /dev/shm: $(hosts_shm_files | tr '\n' ' ')"
[ -z "$procs" ] || fail "processes left on the hosts: $procs"

# 6. A refused move is asked once more elsewhere. A second job on h0 and h1
#    (-hosts h0:2,h1:3 -n 2 --spares 3: ranks on clusters 0, 1 of h0, spares
#    2, 3, 4 on h1) with NMPI_TEST_STREAM_FAULT=corrupt-first: the first
#    container cluster 0 sends is damaged, so rank 0's move to cluster 2
#    fails (the rank stays) and is asked again, to cluster 4, while rank 1
#    goes to cluster 3.
rm -f "$TMPD/stop"
# A file of its own: the first job's "ready" must not be read before the
# background redirection truncates a shared one.
JOB_OUT=$TMPD/job2.out
echo "+ (h0) NMPI_TEST_STREAM_FAULT=corrupt-first mpiexec -hosts h0:2,h1:3 -n 2 --spares 3 mpimigrate_job &"
NMPI_TEST_STREAM_FAULT=corrupt-first hosts_run 0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" \
    -hosts h0:2,h1:3 -launcher ssh -launcher-exec "$HOSTS_EXEC" -n 2 --spares 3 \
    "$BINDIR/mpimigrate_job" "$TMPD/stop" 150 >"$JOB_OUT" 2>&1 &
JOB_PID=$!
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: ready"
mm 0 --evacuate h0
has "^rank 0: cluster 0 \(h0\) -> cluster 2 \(h1\): refused: the transfer failed$"
has "^rank 0: asked again, to cluster 4 \(h1\)$"
has "^rank 0: cluster 0 \(h0\) -> cluster 4 \(h1\): moved, downtime [0-9.]+ ms$"
has "^rank 1: cluster 1 \(h0\) -> cluster 3 \(h1\): moved, downtime [0-9.]+ ms$"
has "^evacuate h0: 2 of 2 ranks moved in [0-9.]+ ms \(all at once\)$"
touch "$TMPD/stop"
wait $JOB_PID
st=$?
cat "$JOB_OUT"
[ $st -eq 0 ] || fail "the second job ended with status $st"
grep -q "^mpimigrate_job: OK [0-9]* iterations" "$JOB_OUT" || fail "second job: no OK line"
for p in "0:0 4 " "1:1 3 "; do
    r=${p%%:*}
    path=$(sed -n "s/^mpimigrate_job: rank $r on cluster \([0-9]*\)$/\1/p" "$JOB_OUT" | tr '\n' ' ')
    [ "$path" = "${p#*:}" ] || fail "second job: rank $r went through clusters '$path', want '${p#*:}'"
done

hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"
echo "PASS"
