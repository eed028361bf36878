#!/bin/bash
# migrate_postcopy.sh: post-copy moves (issue 15 item 2), every one checked
# bit for bit by migrate_postcopy.c or migrate_precopy.c:
# 1. a rank with a 64 MiB heap asking its own post-copy move
#    (MPIX_Migrateto_mode "postcopy"), then sending eager and rendezvous
#    messages from heap pages not pulled yet (the background pull held
#    300 ms: all of them are still missing when it sends) and receiving
#    into others, a rendezvous receive posted before the move; its heap,
#    globals and stack checked; the report says every page arrived;
# 1a. a move asked while its pages are still pulled waits for them (the
#    background pull held 300 ms), then goes, and the checks of 1 are made
#    on the second move's missing pages; once they are all here it moves
#    again;
# 1b. as 1, the background pull at once and the heap checked at once;
# 2. two ranks moved at once, asked by rank 0 at a preemption tick
#    (NMPI_MIGRATION_MODE=postcopy), the same checks;
# 3. a rank that rewrites its heap moved twice in a row (the second move
#    only once the first one's pages are all here), messages in flight
#    both ways (migrate_precopy.c's checks);
# 4. the source killed (SIGKILL) while the destination still pulls: the
#    rank's pages exist nowhere else, so the job must end, naming the
#    loss, never hang;
# 5. post-copy moves asked by mpimigrate --mode postcopy of a running
#    stop-and-copy job (its ring of checked messages goes on), then back
#    once the pages are all there;
# 6. a checkpoint (MPIX_Checkpoint, ckpt.c) right after post-copy moves,
#    their pages held at the sources: it waits for every page, the job is
#    killed after it, and the restart gives the results of a run without
#    checkpoint.
# 7. case 1 as an unprivileged user (nobody, when the test runs as root):
#    userfaultfd limited to user-mode faults (UFFD_USER_MODE_ONLY), so
#    every buffer handed to the messaging layer must be fetched first.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20 NMPI_MIGRATION_REPORT=1

echo "== 1. a 64 MiB rank asks its own post-copy move"
# The background pull held 300 ms: every page of the send buffers is still
# at the source when the rank sends from them; the rank then computes 1 s
# (the pull runs) before it checks its heap.
NMPI_TEST_POSTCOPY_HOLD_MS=300 MIGRATE_POSTCOPY_IDLE_MS=1000 expect_ok 2 --spares 1 -- migrate_postcopy 64 1 self \
    "migrate_postcopy: OK 64 MiB 1 movers self"
grep -q "^nanvix-mpi: rank 1 post-copy from cluster 1: every page present" "$OUT" ||
    fail "no report of every page present"
grep -q "^migrate_postcopy: rank 1 sent from 66 of 66 pages not yet here" "$OUT" ||
    fail "the send buffers were not all missing when the rank sent from them"
echo "== 1a. a move while its pages are pulled waits for them; once they are all here, another"
NMPI_TEST_POSTCOPY_HOLD_MS=300 MIGRATE_POSTCOPY_IDLE_MS=1000 MIGRATE_POSTCOPY_AGAIN=1 \
    expect_ok 2 --spares 1 -- migrate_postcopy 16 1 self "migrate_postcopy: OK 16 MiB 1 movers self"
awk '/^migrate_postcopy: rank 1 moved 2 -> 1 while its pages were pulled \(/ {
         ms = $(NF - 1); sub(/^\(/, "", ms); if (ms + 0 >= 100) ok = 1 }
     END { exit !ok }' "$OUT" ||
    fail "the move asked while pages were pulled did not wait for them (100 ms or more) and go"
grep -q "^migrate_postcopy: rank 1, every page here, moved again 1 -> 2" "$OUT" ||
    fail "no third move once every page was here"
grep -q '^nanvix-mpi: rank 1 post-copy from cluster 1: every page present' "$OUT" ||
    fail "no report of every page present for the first move"
echo "== 1b. the same, the background pull at once, the heap checked at once"
expect_ok 2 --spares 1 -- migrate_postcopy 64 1 self "migrate_postcopy: OK 64 MiB 1 movers self"
grep -q "^nanvix-mpi: rank 1 post-copy from cluster 1: every page present" "$OUT" ||
    fail "no report of every page present"

echo "== 2. two ranks moved at once, asked"
NMPI_MIGRATION_MODE=postcopy expect_ok 3 --spares 2 -- migrate_postcopy 16 2 asked \
    "migrate_postcopy: OK 16 MiB 2 movers asked"
[ "$(grep -c '^nanvix-mpi: rank [12] post-copy from cluster [0-9]*: every page present' "$OUT")" -eq 2 ] ||
    fail "want 2 reports of every page present"

echo "== 3. moved twice in a row while rewriting its heap"
NMPI_MIGRATION_MODE=postcopy expect_ok 2 --spares 1 -- migrate_precopy hot 16 1 2 \
    "migrate_precopy: OK hot 16 MiB 1 movers 2 moves"
[ "$(grep -c '^nanvix-mpi: rank 1 post-copy from cluster [0-9]*: every page present' "$OUT")" -eq 2 ] ||
    fail "want 2 post-copy moves"

echo "== 4. the source dies while the pages are pulled"
NMPI_TEST_LOST_AT=postcopy:1 run_mpi 2 --spares 1 -- migrate_postcopy 64 1 self
status=$?
[ $status -ne 124 ] || fail "the job hung after the source died"
[ $status -ne 0 ] || fail "the job ended well without the rank's pages"
# The destination says which page it could not fetch; when the source dies
# before the rank's new route reached cluster 0, cluster 0 may end the job
# first, naming rank 1 lost with cluster 1: either way rank 1 is named.
grep -Eq "post-copy move of rank 1: its page at .* could not be fetched from cluster 1|cluster 1, which ran rank 1, was lost" "$OUT" ||
    fail "no line names the lost rank"
echo "== 5. mpimigrate --mode postcopy"
MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run
JOB_OUT=$TMPD/job.out
. "$(dirname "$0")/mm.sh"
echo "+ NMPI_MIGRATION_MODE=stop $MPIEXEC -n 3 --spares 1 mpimigrate_job $TMPD/stop 90 &"
NMPI_MIGRATION_MODE=stop timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 3 --spares 1 \
    "$BINDIR/mpimigrate_job" "$TMPD/stop" 90 </dev/null >"$JOB_OUT" 2>&1 &
JOB_PID=$!
trap 'touch "$TMPD/stop"; kill $JOB_PID 2>/dev/null; rm -rf "$TMPD"' EXIT
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: ready"
mm 0 "^rank 1 moved from cluster 1 to cluster 3 " --mode postcopy 1 3
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 3"
wait_for "$JOB_OUT" $JOB_PID 1 "nanvix-mpi: rank 1 post-copy from cluster 1: every page present"
mm 0 "^rank 1 moved from cluster 3 to cluster 1 " --mode postcopy 1 1
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 1"
touch "$TMPD/stop"
wait $JOB_PID || { cat "$JOB_OUT"; fail "mpimigrate_job: exit status $? (want 0)"; }
cat "$JOB_OUT"
grep -q "^mpimigrate_job: OK [0-9]* iterations" "$JOB_OUT" || fail "mpimigrate_job: no OK line"
[ "$(grep -c '^nanvix-mpi: rmig: rank 1 moved cluster .*; postcopy: the heap pulled after resuming$' "$JOB_OUT")" -eq 2 ] ||
    fail "mpimigrate_job: want 2 post-copy moves of rank 1"

echo "== 6. a checkpoint while post-copy pages are still at the sources"
run_mpi 3 -- ckpt "$TMPD/none" none || fail "the run without checkpoint failed"
grep '^ckpt: ' "$OUT" >"$TMPD/ref"
grep -qx 'ckpt: OK' "$TMPD/ref" || fail "no result from the run without checkpoint"
NMPI_TEST_POSTCOPY_HOLD_MS=300 NMPI_MIGRATION_MODE=postcopy run_mpi 3 --spares 2 -- \
    ckpt "$TMPD/m" die 2
[ $? -ne 0 ] || fail "the job went on after rank 1's cluster was killed"
# (a move asked while the pages of the one before are pulled waits for
# them: rank 1 may move twice)
for r in 0 1; do
    grep -q "^nanvix-mpi: rank $r post-copy from cluster [0-9]*: every page present" "$OUT" ||
        fail "want rank $r moved in post-copy before the checkpoint"
done
"$top_builddir/tools/nmpi-ckpt" check "$TMPD/m" | grep -qx "ranks 3" ||
    fail "the checkpoint taken after post-copy moves does not check out"
run_mpi 3 --spares 1 --restart "$TMPD/m" -- ckpt "$TMPD/m" die 2 ||
    fail "the restart from the checkpoint taken after post-copy moves failed"
grep -qx '# restarted=1' "$OUT" || fail "the restarted job did not return from a restart"
grep '^ckpt: ' "$OUT" | diff "$TMPD/ref" - || fail "restart after post-copy moves: results differ"

echo "== 7. case 1 as an unprivileged user"
if [ "$(id -u)" -ne 0 ]; then
    echo "runs as $(id -un): case 1 was already unprivileged"
elif ! runuser -u nobody -- test -x "$BINDIR/migrate_postcopy" -a -x "$MPIEXEC"; then
    echo "not run: user nobody cannot reach $BINDIR (a build directory closed to others)"
else
    chmod 755 "$TMPD" # its output file is written by this shell, not by nobody
    nbase=/tmp/nmpi-$(id -u nobody) # nobody's job directories (mpiexec)
    [ -e "$nbase" ] && nbase=""     # there before: not this test's to remove
    NMPI_TEST_POSTCOPY_HOLD_MS=300 MIGRATE_POSTCOPY_IDLE_MS=1000 timeout -k 10 "$TIMEOUT" \
        runuser -u nobody -- env -u NMPI_RUN_DIR HOME=/tmp "$MPIEXEC" -n 2 --spares 1 "$BINDIR/migrate_postcopy" \
        64 1 self </dev/null >"$OUT" 2>&1 || { cat "$OUT"; fail "unprivileged: exit status $? (want 0)"; }
    cat "$OUT"
    grep -q "^migrate_postcopy: OK 64 MiB 1 movers self" "$OUT" || fail "unprivileged: no OK line"
    grep -q "^migrate_postcopy: rank 1 sent from 66 of 66 pages not yet here" "$OUT" ||
        fail "unprivileged: the send buffers were not all missing when the rank sent from them"
    grep -q "^nanvix-mpi: rank 1 post-copy from cluster 1: every page present" "$OUT" ||
        fail "unprivileged: no report of every page present"
    # (the job's own directory in it goes a moment after mpiexec returns)
    for ((i = 0; i < 50; i++)); do [ -z "$nbase" ] || rmdir "$nbase" 2>/dev/null && break; sleep 0.1; done
    [ -z "$nbase" ] || [ ! -e "$nbase" ] || fail "unprivileged: the job left files in $nbase: $(ls -A "$nbase")"
fi
exit 0
