#!/bin/bash
# migrate_precopy_faults.sh: pre-copy moves (NMPI_MIGRATION_MODE=precopy)
# that try to break them, every one checked bit for bit by
# migrate_precopy.c (heap, globals, stack, messages in flight both ways):
# 1. a rank rewriting every page of its heap as fast as it can: the rounds
#    cannot converge; the move ends in a stop-and-copy bounded by the
#    container (the rounds stop at the first that does not shrink);
# 2. a rank whose heap grows and shrinks (1..8 MiB blocks freed and
#    allocated again) while the rounds go;
# 3. two ranks each asking its own move (MPI_Migrateto), waiting in the
#    call while its messages progress; the same with the mode chosen by
#    the call (MPIX_Migrateto_mode "precopy") in a stop-and-copy job, after
#    an unknown mode refused with MPI_ERR_ARG;
# 4. the destination killed (SIGKILL) once the first round landed
#    (NMPI_TEST_LOST_AT=precopy:2): the move fails at once, the rank runs
#    on at the source intact, the job ends well (Hydra's status says a
#    process was killed); 4b: the same with Hydra's notice of the death
#    ignored (NMPI_TEST_LOST_SIGNAL=0), the rank waiting in its own
#    MPI_Migrateto (which must return an error): the source's probe of the
#    peer it waits on finds the loss;
# 5. moves asked by mpimigrate of a running job whose mode is
#    stop-and-copy: two with --mode precopy (report line with rounds, the
#    requester told once the rounds and the freeze are over), one without
#    (stop-and-copy), one with --mode auto where the job's
#    NMPI_MIGRATION_AUTO_MS=0 makes every predicted pause too long (so
#    pre-copy: the rank chose, not the job); an unknown mode refused as bad
#    usage (--mode postcopy: migrate_postcopy.sh).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20 NMPI_MIGRATION_MODE=precopy NMPI_MIGRATION_REPORT=1

echo "== 1. every page rewritten as fast as it can"
expect_ok 2 --spares 1 -- migrate_precopy all 64 1 2 "migrate_precopy: OK all 64 MiB 1 movers 2 moves"
[ "$(grep -c 'rank 1 moved cluster .* precopy [0-9]* rounds' "$OUT")" -eq 2 ] ||
    fail "want 2 pre-copy report lines"
# The final round is bounded by the container: at most the 64 MiB heap and
# what surrounds it (the stack, globals, the MPI state: under 16 MiB).
awk '/precopy [0-9]* rounds/ { for (i = 1; i <= NF; i++) if ($i == "bytes;") b = $(i - 1);
     if (b > 80 * 1048576) bad = 1 } END { exit bad }' "$OUT" ||
    fail "a final round sent more than the container"

echo "== 2. the heap grows and shrinks during the rounds"
expect_ok 2 --spares 1 -- migrate_precopy grow 16 1 3 "migrate_precopy: OK grow 16 MiB 1 movers 3 moves"
[ "$(grep -c 'rank 1 moved cluster .* precopy [0-9]* rounds' "$OUT")" -eq 3 ] ||
    fail "want 3 pre-copy report lines"

echo "== 3. ranks asking their own pre-copy moves at once"
MIGRATE_PRECOPY_SELF=1 expect_ok 3 --spares 2 -- migrate_precopy hot 16 2 2 \
    "migrate_precopy: OK hot 16 MiB 2 movers 2 moves"
[ "$(grep -c 'moved cluster .* precopy [0-9]* rounds' "$OUT")" -eq 4 ] ||
    fail "want 4 pre-copy report lines"
MIGRATE_PRECOPY_SELF=mode NMPI_MIGRATION_MODE=stop expect_ok 3 --spares 2 -- migrate_precopy hot 16 2 1 \
    "migrate_precopy: OK hot 16 MiB 2 movers 1 moves"
[ "$(grep -c 'moved cluster .* precopy [0-9]* rounds' "$OUT")" -eq 2 ] ||
    fail "MPIX_Migrateto_mode: want 2 pre-copy report lines"

echo "== 4. the destination dies once the first round landed"
# The rank computes 8 s before it checks it stayed: a loaded machine (CI)
# took over 3 s for the 64 MiB first round, so the destination died after
# the rank had reached MPI_Finalize.
MIGRATE_PRECOPY_EXPECT_STAY=1 MIGRATE_PRECOPY_STAY_S=8 NMPI_TEST_LOST_AT=precopy:2 run_mpi 2 --spares 1 -- \
    migrate_precopy moving 64 1 1
expect_dest_lost $? "4" "^migrate_precopy: OK moving 64 MiB 1 movers 1 moves" \
    "rank 1: move to cluster 2 failed: the destination cluster was lost"
echo "== 4b. the same, Hydra's notice of the death ignored, the rank waiting in its own MPI_Migrateto"
MIGRATE_PRECOPY_SELF=1 MIGRATE_PRECOPY_EXPECT_STAY=1 NMPI_TEST_LOST_AT=precopy:2 NMPI_TEST_LOST_SIGNAL=0 \
    run_mpi 2 --spares 1 -- migrate_precopy moving 64 1 1
expect_dest_lost $? "4b" "^migrate_precopy: OK moving 64 MiB 1 movers 1 moves" \
    "rank 1: move to a spare failed: the destination cluster was lost"

echo "== 5. pre-copy moves asked by mpimigrate"
MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run
JOB_OUT=$TMPD/job.out
. "$(dirname "$0")/mm.sh"
echo "+ NMPI_MIGRATION_MODE=stop NMPI_MIGRATION_AUTO_MS=0 $MPIEXEC -n 3 --spares 2 mpimigrate_job $TMPD/stop 90 &"
NMPI_MIGRATION_MODE=stop NMPI_MIGRATION_AUTO_MS=0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 3 --spares 2 "$BINDIR/mpimigrate_job" "$TMPD/stop" 90 \
    </dev/null >"$JOB_OUT" 2>&1 &
JOB_PID=$!
trap 'touch "$TMPD/stop"; kill $JOB_PID 2>/dev/null; rm -rf "$TMPD"' EXIT
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: ready"
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 1"
mm 1 "^mpimigrate: --mode wants stop, precopy, postcopy or auto, got 'sideways'$" --mode sideways 1 3
mm 1 "^mpimigrate: --mode goes with RANK CLUSTER or --evacuate" --mode precopy --where
mm 0 "^rank 1 moved from cluster 1 to cluster 3 " --mode precopy 1 3
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 3"
mm 0 "^rank 2 moved from cluster 2 to cluster 4 " 2 4
mm 0 "^rank 1 moved from cluster 3 to cluster 1 " --mode precopy 1 1
wait_for "$JOB_OUT" $JOB_PID 2 "mpimigrate_job: rank 1 on cluster 1"
mm 0 "^rank 2 moved from cluster 4 to cluster 2 " --mode auto 2 2
touch "$TMPD/stop"
wait $JOB_PID || { cat "$JOB_OUT"; fail "mpimigrate_job: exit status $? (want 0)"; }
cat "$JOB_OUT"
grep -q "^mpimigrate_job: OK [0-9]* iterations" "$JOB_OUT" || fail "mpimigrate_job: no OK line"
[ "$(grep -c '^nanvix-mpi: rmig: rank 1 moved cluster .* precopy [0-9]* rounds' "$JOB_OUT")" -eq 2 ] ||
    fail "mpimigrate_job: want 2 pre-copy moves of rank 1"
[ "$(grep -c '^nanvix-mpi: rmig: rank 2 moved cluster 2 -> 4: .* downtime [0-9.]* ms$' "$JOB_OUT")" -eq 1 ] ||
    fail "mpimigrate_job: want rank 2's move stop-and-copy"
grep -q '^nanvix-mpi: rmig: rank 2 moved cluster 4 -> 2: .* precopy [0-9]* rounds' "$JOB_OUT" ||
    fail "mpimigrate_job: want rank 2's move with --mode auto pre-copy (NMPI_MIGRATION_AUTO_MS=0)"
