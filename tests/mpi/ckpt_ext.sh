#!/bin/bash
# ckpt_ext.sh: checkpoints asked from outside the job (mpimigrate
# --checkpoint DIR, issue 14 item 3), with tests/mpi/ckpt_ext.c (4 ranks).
#
# 1. Reference: uninterrupted runs (with their moves) of both modes.
# 2. While ranks move to spares (two at once now and then) under checked
#    all-pairs traffic and collectives: two checkpoints one after the other
#    into two directories (numbers 1 and 2; the second entering at cluster
#    1, so cluster 0 is asked and answers through it), both complete while
#    the traffic still runs; the job is then killed (SIGKILL of a cluster);
#    `mpiexec --restart` from either, with 1 spare, prints the reference
#    results bit for bit.
# 3. A rank computing outside MPI when asked: with preemption the
#    checkpoint completes while it still computes; the job finishes right;
#    a restart from it (the rank resumes inside its preemption handler)
#    too. With NMPI_PREEMPT_MS=0 the checkpoint waits for the rank's next
#    MPI call and completes after it; meanwhile no process of the job but
#    the computing rank's uses more than 30% of a CPU, and a second
#    checkpoint asked is refused at once (another one is under way).
# 4. Errors: a directory that cannot be made (exit 3, one line, the job
#    goes on and a checkpoint after it works), a relative and a too long
#    directory (exit 1), no such job (exit 2); the job finishes right. A
#    checkpoint asked while ranks are inside MPI_Finalize and one rank is
#    still out of MPI is declined (exit 3, the job is ending), and the job
#    ends normally once that rank finalizes too.
# Synchronisation is by the job's output lines and gate files; the only
# fixed wait is the second in part 3 during which the checkpoint must NOT
# complete.
. "$(dirname "$0")/common.sh"
ours || skip "mpimigrate --checkpoint is a nanvix-mpi extension"

MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run # private: other jobs of this user are not seen
NP=4
JOB_PID=
trap 'kill $JOB_PID 2>/dev/null; rm -rf "$TMPD"' EXIT

results() {
    grep '^ckpt_ext: ' "$1"
}

# start_job OUT GATE MODE [mpiexec options]: runs ckpt_ext in the background.
start_job() {
    local out=$1 gate=$2 mode=$3
    shift 3
    : >"$out"
    rm -f "$gate" "$gate.compute"
    echo "+ $MPIEXEC -n $NP --spares 2 $* ckpt_ext $mode $gate &"
    timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n $NP --spares 2 "$@" "$BINDIR/ckpt_ext" "$mode" \
        "$gate" </dev/null >"$out" 2>&1 &
    JOB_PID=$!
}

# job_id: the running job's id (its directory in the run directory).
job_id() {
    local i
    for ((i = 0; i < 100; i++)); do
        JOB=$(ls "$NMPI_RUN_DIR" 2>/dev/null | head -n 1)
        [ -n "$JOB" ] && return 0
        sleep 0.1
    done
    fail "no job directory in $NMPI_RUN_DIR"
}

. "$(dirname "$0")/mm.sh"

# finish OUT GATE REF: lets the job end; wants exit 0 and REF's results.
finish() {
    echo go >"$2"
    wait "$JOB_PID" || { cat "$1"; fail "job exit status $? (want 0)"; }
    JOB_PID=
    results "$1" | diff "$3" - >/dev/null || { cat "$1"; fail "the job's results differ from $3"; }
}

# lose OUT GATE: kills the job (a cluster SIGKILLed) after its checkpoints.
lose() {
    echo die >"$2"
    wait "$JOB_PID" && fail "the job went on after its cluster was killed"
    JOB_PID=
    ! grep -q '^ckpt_ext: ' "$1" || fail "the killed job printed results"
}

# cpu_ticks PATTERN: "pid ticks" (user + system CPU) of every process whose
# command line has PATTERN, sorted.
cpu_ticks() {
    local p
    for p in $(pgrep -f -- "$1"); do
        awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat" 2>/dev/null
    done | sort
}

# restart DIR MODE GATE REF: restarts from DIR with 1 spare; wants REF's
# results. The restarted ranks read the gate of the job checkpointed (its
# argv is in the images): it says go now.
restart() {
    echo go >"$3"
    touch "$3.compute"
    run_mpi $NP --spares 1 --restart "$1" -- ckpt_ext "$2" "$3" || fail "restart from $1 failed"
    results "$OUT" | diff "$4" - >/dev/null || fail "restart from $1: results differ from $4"
}

echo "== 1. uninterrupted runs"
for mode in traffic compute; do
    echo go >"$TMPD/g0"
    touch "$TMPD/g0.compute"
    run_mpi $NP --spares 2 -- ckpt_ext $mode "$TMPD/g0" || fail "the $mode run failed"
    results "$OUT" >"$TMPD/ref.$mode"
    grep -qx "ckpt_ext: OK $NP ranks 300 iterations" "$TMPD/ref.$mode" || fail "no OK line"
    grep -qx "ckpt_ext: bad payloads 0" "$TMPD/ref.$mode" || fail "bad payloads"
done

echo "== 2. two checkpoints while ranks move, kill, restart from each"
start_job "$TMPD/a.out" "$TMPD/ga" traffic
wait_for "$TMPD/a.out" $JOB_PID 1 "# ready"
job_id
mm 0 "^checkpoint 1 of job $JOB complete: $TMPD/A, $NP ranks, [0-9]+ bytes, [0-9.]+ s$" \
    --job "$JOB" --checkpoint "$TMPD/A"
# B enters at cluster 1 (cluster 0's socket hidden, as on another host):
# the request goes on to cluster 0 and the outcome comes back through 1.
mv "$NMPI_RUN_DIR/$JOB/c0.sock" "$NMPI_RUN_DIR/$JOB/c0.hidden"
mm 0 "^checkpoint 2 of job $JOB complete: $TMPD/B, $NP ranks, [0-9]+ bytes, [0-9.]+ s$" \
    --checkpoint "$TMPD/B"
mv "$NMPI_RUN_DIR/$JOB/c0.hidden" "$NMPI_RUN_DIR/$JOB/c0.sock"
! grep -q "# loop done" "$TMPD/a.out" || fail "the checkpoints came after the traffic (too slow?)"
"$top_builddir/tools/nmpi-ckpt" check "$TMPD/A" | grep -qx "ranks $NP" || fail "A does not check out"
"$top_builddir/tools/nmpi-ckpt" check "$TMPD/B" | grep -qx "ranks $NP" || fail "B does not check out"
lose "$TMPD/a.out" "$TMPD/ga"
restart "$TMPD/A" traffic "$TMPD/ga" "$TMPD/ref.traffic"
restart "$TMPD/B" traffic "$TMPD/ga" "$TMPD/ref.traffic"

echo "== 3. a rank computing outside MPI"
start_job "$TMPD/c.out" "$TMPD/gc" compute
wait_for "$TMPD/c.out" $JOB_PID 1 "# computing"
mm 0 "^checkpoint 1 of job [0-9]+ complete: $TMPD/C" --checkpoint "$TMPD/C"
! grep -q "# compute done" "$TMPD/c.out" || fail "the checkpoint waited for the computing rank"
touch "$TMPD/gc.compute"
finish "$TMPD/c.out" "$TMPD/gc" "$TMPD/ref.compute"
restart "$TMPD/C" compute "$TMPD/gc" "$TMPD/ref.compute"

NMPI_PREEMPT_MS=0 start_job "$TMPD/d.out" "$TMPD/gd" compute
wait_for "$TMPD/d.out" $JOB_PID 1 "# computing"
echo "+ mpimigrate --checkpoint $TMPD/D & (preemption off)"
timeout 90 "$MM" --checkpoint "$TMPD/D" >"$TMPD/mmd.out" 2>&1 &
mm_pid=$!
before=$(cpu_ticks "ckpt_ext compute $TMPD/gd")
[ -n "$before" ] || fail "no process of the job found"
sleep 1
after=$(cpu_ticks "ckpt_ext compute $TMPD/gd")
busy=$(join <(echo "$before") <(echo "$after") | awk -v hz="$(getconf CLK_TCK)" '$3 - $2 > hz * 0.3 {n++} END {print n + 0}')
[ "$busy" -le 1 ] || fail "$busy processes of the job burned CPU while the checkpoint waited (want only the computing rank's)"
kill -0 $mm_pid 2>/dev/null || { cat "$TMPD/mmd.out"; fail "the checkpoint did not wait for the rank"; }
mm 3 "^mpimigrate: job [0-9]+ could not checkpoint into $TMPD/D2: another checkpoint of this job is under way \(the job goes on\)$" \
    --checkpoint "$TMPD/D2"
touch "$TMPD/gd.compute"
wait $mm_pid || { cat "$TMPD/mmd.out"; fail "the checkpoint failed once the rank called MPI"; }
cat "$TMPD/mmd.out"
grep -q "# compute done" "$TMPD/d.out" || fail "the checkpoint completed before the rank called MPI"
finish "$TMPD/d.out" "$TMPD/gd" "$TMPD/ref.compute"
restart "$TMPD/D" compute "$TMPD/gd" "$TMPD/ref.compute"

echo "== 4. errors"
mm 2 "^mpimigrate: job 999999 does not exist" --job 999999 --checkpoint "$TMPD/x"
start_job "$TMPD/e.out" "$TMPD/ge" traffic
wait_for "$TMPD/e.out" $JOB_PID 1 "# ready"
touch "$TMPD/afile"
mm 3 "^mpimigrate: job [0-9]+ could not checkpoint into $TMPD/afile/ck: Not a directory \(the job goes on\)$" \
    --checkpoint "$TMPD/afile/ck"
mm 1 "^mpimigrate: --checkpoint wants an absolute directory, got 'rel/ck'$" --checkpoint rel/ck
long=/$(printf 'd%.0s' $(seq 1 600))
mm 1 "^mpimigrate: --checkpoint directory is too long \(601 bytes, at most 511\)$" --checkpoint "$long"
mm 1 "goes alone" --checkpoint "$TMPD/y" 1 2
mm 0 "^checkpoint 2 of job [0-9]+ complete: $TMPD/E" --checkpoint "$TMPD/E"
finish "$TMPD/e.out" "$TMPD/ge" "$TMPD/ref.traffic"
start_job "$TMPD/f.out" "$TMPD/gf" final
wait_for "$TMPD/f.out" $JOB_PID 1 "# finalizing"
mm 3 "^mpimigrate: job [0-9]+ could not checkpoint into $TMPD/F: the job is ending \(ranks are in MPI_Finalize\) \(the job goes on\)$" \
    --checkpoint "$TMPD/F"
echo go >"$TMPD/gf"
wait "$JOB_PID" || { cat "$TMPD/f.out"; fail "the job did not end normally after a declined checkpoint"; }
JOB_PID=
grep -qx "ckpt_ext: finalized" "$TMPD/f.out" || fail "rank 0 did not finalize"
echo "PASS"
