#!/bin/bash
# lost.sh: a job survives the loss of a cluster that holds no rank, and ends
# cleanly when a cluster that holds one is lost (issue 11, item 6).
#
# 1. An idle spare is killed (SIGKILL) while the ranks wait: every later
#    move goes to another cluster, none waits for NMPI_MIGRATE_TIMEOUT, the
#    job completes with every check of lost.c passed. mpiexec's status is
#    137 all the same: Hydra reports that one of its processes was killed.
# 2. The destination of a move kills itself when the container is about to
#    reach it (NMPI_TEST_LOST_AT=begin:2): that move fails at once, the rank
#    stays on its cluster intact, the next moves succeed elsewhere.
# 3. A cluster that runs a rank is killed: the job ends within seconds,
#    with a message naming the cluster and the rank, instead of hanging.
# 4. Every cluster that runs a rank is killed at once: the spare, the only
#    cluster left, ends the job (before, it waited for the end for good).
. "$(dirname "$0")/common.sh"
ours || skip "a job that survives a lost cluster is nanvix-mpi's"
export NMPI_MIGRATE_TIMEOUT=30 # a move that waited for it breaks LOST_MAX_MOVE_S

# cluster_pid PATTERN N: the process of cluster N of the job whose command
# line holds PATTERN - the keeper's child (np_keeper.c), not the keeper.
cluster_pid() {
    local p pp
    for p in $(pgrep -f -- "$1"); do
        pp=$(ps -o ppid= -p "$p" | tr -d ' ')
        tr '\0' ' ' <"/proc/$pp/cmdline" 2>/dev/null | grep -qF -- "$1" || continue
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PMI_RANK=$2" && echo "$p"
    done
}

echo "== 1. an idle spare is killed"
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 --spares 2 "$BINDIR/lost" 8 "$TMPD/go" \
    </dev/null >"$TMPD/spare.out" 2>&1 &
job=$!
wait_for "$TMPD/spare.out" $job 1 "lost: ready"
victim=$(cluster_pid "$TMPD/go" 3)
[ -n "$victim" ] || fail "cannot find cluster 3's process"
kill -KILL "$victim"
sleep 0.3
touch "$TMPD/go"
wait $job
status=$?
cat "$TMPD/spare.out"
[ $status -ne 124 ] || fail "the job hung after its spare was killed"
grep -q "^lost: OK 8 moved 0 failed" "$TMPD/spare.out" || fail "the job did not carry on"
grep -q "cluster 3 (pid $victim) was killed by signal 9" "$TMPD/spare.out" ||
    fail "no line says cluster 3 was killed"
! grep -q -- "-> 3 in" "$TMPD/spare.out" || fail "a rank was moved to the lost cluster"
[ $status -eq 137 ] || fail "mpiexec status $status, want 137 (a process was killed)"

echo "== 2. a destination dies mid-move"
NMPI_MIGRATION_REPORT=1 NMPI_TEST_LOST_AT=begin:2 run_mpi 2 --spares 2 -- lost 6 -
expect_dest_lost $? "2" "^lost: OK 5 moved 1 failed" \
    "rank 0: move to a spare failed: the destination cluster was lost"
grep -q "^lost: round 0 rank 0: move failed on 0 in" "$OUT" ||
    fail "the move to the dying destination did not fail at the source"

echo "== 3. a cluster that runs a rank is killed"
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 --spares 1 "$BINDIR/lost" 4 "$TMPD/go3" \
    </dev/null >"$TMPD/rank.out" 2>&1 &
job=$!
wait_for "$TMPD/rank.out" $job 1 "lost: ready"
victim=$(cluster_pid "$TMPD/go3" 1)
[ -n "$victim" ] || fail "cannot find cluster 1's process"
t0=$(date +%s)
kill -KILL "$victim"
wait $job
status=$?
t1=$(date +%s)
cat "$TMPD/rank.out"
[ $status -ne 124 ] || fail "the job hung after a rank's cluster was killed"
[ $status -ne 0 ] || fail "the job ended with status 0 although rank 1 was lost"
grep -q "cluster 1, which ran rank 1, was lost" "$TMPD/rank.out" ||
    fail "no line names the lost cluster and its rank"
[ $((t1 - t0)) -le 10 ] || fail "the job took $((t1 - t0)) s to end (limit 10 s)"
echo "== 4. every cluster that runs a rank is killed at once: the spare ends the job"
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 --spares 1 "$BINDIR/lost" 4 "$TMPD/go4" \
    </dev/null >"$TMPD/all.out" 2>&1 &
job=$!
wait_for "$TMPD/all.out" $job 1 "lost: ready"
victims="$(cluster_pid "$TMPD/go4" 0) $(cluster_pid "$TMPD/go4" 1)"
[ "$(echo $victims | wc -w)" -eq 2 ] || fail "cannot find the ranks' processes"
t0=$(date +%s)
kill -KILL $victims
wait $job
status=$?
t1=$(date +%s)
cat "$TMPD/all.out"
[ $status -ne 124 ] || fail "the job hung after every rank's cluster was killed"
[ $status -ne 0 ] || fail "the job ended with status 0 although its ranks were lost"
grep -q "which ran rank [01], was lost" "$TMPD/all.out" || fail "no line names a lost rank"
[ $((t1 - t0)) -le 10 ] || fail "the job took $((t1 - t0)) s to end (limit 10 s)"

echo "lost: OK (spare lost: job carried on; destination lost: move failed, rank stayed; rank lost: job ended in $((t1 - t0)) s)"
