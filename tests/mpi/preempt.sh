#!/bin/bash
# preempt.sh: a rank computing outside MPI is moved inside its loop
# (rank-migrate/rmig_preempt.c), asked by another rank or by mpimigrate; it
# is not moved inside a user reduction, nor woken from a sleep; with
# NMPI_PREEMPT_MS=0 it moves only at its next MPI wait. preempt.c checks the
# loop's globals, heap, stack and floating-point state bit for bit against
# a run without a move.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=10

expect_ok 2 --spares 1 -- preempt third "preempt: OK third"
grep -q "moved at chunk [0-9]*, now on cluster 2, digest ok" "$OUT" || fail "no move in the loop"
expect_ok 3 --spares 1 -- preempt third "preempt: OK third"
# Both ends move: rank 1 too, its sends to rank 0 still in flight.
expect_ok 2 --spares 2 -- preempt third "preempt: OK third"
grep -q "moved at chunk [0-9]*, now on cluster 2, digest ok" "$OUT" || fail "no move in the loop"
NMPI_PREEMPT_MS=0 expect_ok 2 --spares 1 -- preempt off "preempt: OK off"
expect_ok 3 --spares 1 -- preempt hold "preempt: OK hold"
expect_ok 1 -- preempt sleep "preempt: OK sleep"

# From outside the job: mpimigrate while rank 0 computes.
export NMPI_RUN_DIR=$TMPD/run
JOB_OUT=$TMPD/job.out
echo "+ $MPIEXEC -n 2 --spares 1 preempt outside &"
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 --spares 1 "$BINDIR/preempt" outside </dev/null \
    >"$JOB_OUT" 2>&1 &
job_pid=$!
trap 'kill $job_pid 2>/dev/null; rm -rf "$TMPD"' EXIT
wait_for "$JOB_OUT" $job_pid 1 "preempt: computing on cluster 0"
echo "+ mpimigrate 0 2"
timeout 60 "$top_builddir/tools/mpimigrate" 0 2 || { cat "$JOB_OUT"; fail "mpimigrate failed"; }
wait $job_pid || { cat "$JOB_OUT"; fail "job exit status $?"; }
cat "$JOB_OUT"
grep -q "^preempt: moved at chunk [0-9]* to cluster 2, digest ok" "$JOB_OUT" || fail "no move"
grep -q "^preempt: OK outside" "$JOB_OUT" || fail "no OK line"
echo "PASS"
