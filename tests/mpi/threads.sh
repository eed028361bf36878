#!/bin/bash
# threads.sh: MPI_THREAD_MULTIPLE, and how it meets moves.
#
# 1. threads multiple: four threads per rank in MPI at once (ring traffic
#    on one communicator with per-thread tags, every byte and the sender
#    order checked; allreduces on per-thread communicators; a blocking
#    receive answered by a sibling thread), a move refused while a thread
#    runs, then requests posted by threads that have ended completed after
#    every rank moved at the same moment with messages in flight, and the
#    threads again on the new clusters. 3 ranks, then 4 oversubscribing the
#    2 cores.
# 2. threads hold: a move asked from outside (mpimigrate) is refused while
#    rank 1 runs a thread, with the reason, and the rank stays; once the
#    thread is joined the same request moves it.
. "$(dirname "$0")/common.sh"
ours || skip "moves and mpimigrate are nanvix-mpi extensions"

expect_ok 3 --spares 3 -- threads multiple 64 "threads multiple: rank 0 OK moves 1 refused 1"
for r in 1 2; do
    grep -q "^threads multiple: rank $r OK moves 1 refused 1$" "$OUT" || fail "rank $r: no OK line"
done
expect_ok 4 --spares 4 -- threads multiple 32 "threads multiple: rank 0 OK moves 1 refused 1"
[ "$(grep -c '^threads multiple: rank [0-3] OK moves 1 refused 1$' "$OUT")" -eq 4 ] ||
    fail "want 4 OK lines"

MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run
export NMPI_MIGRATE_TIMEOUT=10
JOB_OUT=$TMPD/job.out
echo "+ $MPIEXEC -n 2 --spares 1 threads hold $TMPD &"
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 --spares 1 "$BINDIR/threads" hold "$TMPD" </dev/null \
    >"$JOB_OUT" 2>&1 &
JOB_PID=$!
trap 'kill $JOB_PID 2>/dev/null; rm -rf "$TMPD"' EXIT
wait_for "$JOB_OUT" $JOB_PID 1 "threads hold: running on cluster 1"
echo "+ mpimigrate 1 2"
timeout 60 "$MM" 1 2 >"$TMPD/mm.out" 2>&1
st=$?
cat "$TMPD/mm.out"
[ $st -eq 3 ] || fail "mpimigrate while a thread runs: exit status $st, want 3"
grep -q "refused to move rank 1 to cluster 2: the rank runs threads it started" "$TMPD/mm.out" ||
    fail "mpimigrate while a thread runs: not refused for its threads"
touch "$TMPD/refused"
wait_for "$JOB_OUT" $JOB_PID 1 "threads hold: joined"
echo "+ mpimigrate 1 2"
timeout 60 "$MM" 1 2 >"$TMPD/mm.out" 2>&1 || { cat "$TMPD/mm.out"; fail "mpimigrate after the join failed"; }
cat "$TMPD/mm.out"
grep -q "^rank 1 moved from cluster 1 to cluster 2 " "$TMPD/mm.out" || fail "no move reported"
wait "$JOB_PID"
st=$?
[ $st -eq 0 ] || { cat "$JOB_OUT"; fail "threads hold: exit status $st"; }
cat "$JOB_OUT"
grep -q "^threads hold: OK moved to 2$" "$JOB_OUT" || fail "threads hold: no OK line"
echo "PASS"
