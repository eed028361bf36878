#!/bin/bash
# ckpt_auto.sh: periodic checkpoints taken by mpiexec (issue 14, item 3):
# --checkpoint-every, --checkpoint-dir, --checkpoint-keep, with
# tests/mpi/ckpt_auto.c (3 ranks + 2 spares, ranks moving, about 6 s).
#
# 1. An uninterrupted run without checkpoints gives the reference results.
# 2. The same job with a checkpoint every second, keeping 2: exit 0, the
#    same results; at least 2 checkpoints were taken (the numbers went that
#    far), exactly the 2 newest are left and both pass nmpi-ckpt check;
#    nothing else is left in the directory, in the run directory or in
#    /dev/shm. While it runs, a second job on the same directory is refused.
# 3. Each kept checkpoint restarts (other spare counts) to the reference
#    results bit for bit.
# 4. Failures: mpiexec runs from a copy of tools/ (its helpers are found
#    beside it) whose mpimigrate is a wrapper of the real one: its 2nd call
#    writes a checkpoint and then removes its MANIFEST (incomplete, though
#    mpimigrate said it was done) and its 3rd call fails; each is said in
#    exactly one line, the job goes on to the reference results, the
#    leftover is pruned and the kept checkpoints still check out.
# 5. Bad option values are refused with a clear message before anything
#    runs.
# 6. Restarts on failure are bounded: a job whose rank 1 kills its cluster
#    at iteration 30, whatever checkpoint it resumed from, is restarted
#    twice with --restart-on-failure 2 (from checkpoints numbered on), then
#    mpiexec prints the restart command and exits non-zero.
# 7. The choice of the checkpoint to restart from (nmpi-ckpt-keeper newest,
#    what mpiexec runs): a damaged newest one is passed over with its
#    reason; pruning removes it and an incomplete leftover, never the
#    newest complete one nor a file that is not numbered.
# 8. A TERM sent to mpiexec ends the job (passed on to Hydra), without a
#    restart, and nothing is left.
. "$(dirname "$0")/common.sh"
ours || skip "periodic checkpoints are nanvix-mpi's mpiexec's"
[ -d /dev/shm ] || skip "no /dev/shm"
"$top_builddir/tools/mpimigrate" --help 2>&1 | grep -q -- --checkpoint ||
    fail "mpimigrate has no --checkpoint (the trigger of periodic checkpoints)"
export NMPI_RUN_DIR=$TMPD/run
NP=3
JOB=(ckpt_auto 60 100 moves)

results() {
    grep '^ckpt_auto: \(rank\|OK\)' "$1"
}

# numbered DIR: the numbered entries of DIR, in order.
numbered() {
    ls "$1" | grep -x '[0-9]*' | sort -n
}

# Nothing left of the jobs: the run directory is empty and no region of a
# dead process is in /dev/shm (the last mpiexec swept them; its watcher
# ends within a second).
no_leftovers() {
    local i
    for ((i = 0; i < 30; i++)); do
        [ -z "$(ls -A "$NMPI_RUN_DIR" 2>/dev/null)" ] && break
        sleep 0.1
    done
    [ -z "$(ls -A "$NMPI_RUN_DIR" 2>/dev/null)" ] || fail "left in the run dir: $(ls -A "$NMPI_RUN_DIR")"
    for ((i = 0; i < 30; i++)); do
        [ -z "$(dead_regions)" ] && return 0
        sleep 0.1
    done
    fail "left in /dev/shm: $(dead_regions)"
}

# The regions in /dev/shm made since the test began whose process is gone.
dead_regions() {
    local f
    for f in /dev/shm/nmpi-"$(id -u)"-*-*-*; do
        [ -e "$f" ] && [ "$f" -nt "$TMPD/start" ] || continue
        kill -0 "${f##*-}" 2>/dev/null || echo "$f"
    done
}

# refused WHY OPTIONS...: mpiexec refuses the options with a message
# matching WHY, exit status 1, and the program does not run.
refused() {
    local why=$1
    shift
    run_mpi "$NP" "$@" -- "${JOB[@]}"
    [ $? -eq 1 ] || fail "options $* were not refused with status 1"
    grep -q -- "$why" "$OUT" || fail "no message says '$why'"
    ! grep -q '^ckpt_auto: ' "$OUT" || fail "the program ran with options $*"
}

touch "$TMPD/start"
echo "== 1. reference"
run_mpi "$NP" --spares 2 -- "${JOB[@]}" || fail "the run without checkpoints failed"
results "$OUT" >"$TMPD/ref"
grep -q '^ckpt_auto: OK 60 iterations' "$TMPD/ref" || fail "no OK line"

echo "== 2. a checkpoint every second, 2 kept"
C=$TMPD/ck
echo "+ $MPIEXEC -n $NP --spares 2 --checkpoint-every 1 --checkpoint-dir $C ${JOB[*]} &"
: >"$TMPD/p.out"
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n "$NP" --spares 2 --checkpoint-every 1 --checkpoint-dir "$C" \
    "$BINDIR/${JOB[0]}" "${JOB[@]:1}" </dev/null >"$TMPD/p.out" 2>&1 &
job=$!
wait_for "$TMPD/p.out" $job 1 "ckpt_auto: ready"
run_mpi "$NP" --checkpoint-every 1 --checkpoint-dir "$C" -- "${JOB[@]}"
[ $? -eq 1 ] && grep -q "is used by another running job" "$OUT" ||
    fail "a second job on the same checkpoint directory was not refused"
wait $job
status=$?
cat "$TMPD/p.out"
[ $status -eq 0 ] || fail "the checkpointed job failed ($status)"
results "$TMPD/p.out" | diff "$TMPD/ref" - || fail "periodic checkpoints changed the results"
! grep -q 'checkpoint .* failed\|not usable' "$TMPD/p.out" || fail "a checkpoint failed"
kept=$(numbered "$C")
echo "kept:" $kept
ck_kept=$kept
[ "$(echo "$kept" | wc -l)" -eq 2 ] || fail "want 2 checkpoints kept, got: $(ls "$C")"
last=$(echo "$kept" | tail -n 1)
[ $((10#$last)) -ge 2 ] || fail "fewer than 2 checkpoints were taken (last $last)"
[ "$(echo "$kept" | head -n 1)" = "$(printf '%06d' $((10#$last - 1)))" ] ||
    fail "the kept checkpoints are not the 2 newest"
[ "$(ls "$C" | wc -l)" -eq 2 ] || fail "other things left in $C: $(ls "$C")"
[ "$(cat "$C/.last")" -ge $((10#$last)) ] || fail "$C/.last is below $last"
for k in $kept; do
    "$top_builddir/tools/nmpi-ckpt" check "$C/$k" | grep -qx "ranks $NP" ||
        fail "kept checkpoint $k does not check out"
done
no_leftovers

echo "== 3. each kept checkpoint restarts"
spares=2
for k in $kept; do
    run_mpi "$NP" --spares $spares --restart "$C/$k" -- "${JOB[@]}" || fail "restart from $k failed"
    results "$OUT" | diff "$TMPD/ref" - || fail "restart from $k: results differ"
    spares=$((spares + 2))
done

echo "== 4. a checkpoint that fails, one that is incomplete"
mkdir "$TMPD/bin"
cp "$MPIEXEC" "$top_builddir/tools/nmpi-ckpt-keeper" "$TMPD/bin/"
ln -s "$top_builddir/tools/nmpi-ckpt" "$TMPD/bin/nmpi-ckpt"
cat >"$TMPD/bin/mpimigrate" <<WRAP
#!/bin/bash
# mpimigrate, but its 2nd checkpoint loses its MANIFEST and its 3rd fails.
n=\$(cat "$TMPD/calls" 2>/dev/null || echo 0)
n=\$((n + 1))
echo \$n >"$TMPD/calls"
[ \$n -eq 3 ] && { echo "mpimigrate: injected failure" >&2; exit 3; }
"$top_builddir/tools/mpimigrate" "\$@" || exit
[ \$n -eq 2 ] && rm -f "\${!#}/MANIFEST"
exit 0
WRAP
chmod +x "$TMPD/bin/mpimigrate"
F=$TMPD/f
MPIEXEC=$TMPD/bin/mpiexec run_mpi "$NP" --spares 2 --checkpoint-every 1 --checkpoint-dir "$F" \
    --checkpoint-keep 1 -- "${JOB[@]}" || fail "the job did not go on after failed checkpoints"
results "$OUT" | diff "$TMPD/ref" - || fail "failed checkpoints changed the results"
[ "$(cat "$TMPD/calls")" -ge 4 ] || fail "too few checkpoints asked to see a good one after the failures"
[ "$(grep -c "checkpoint $F/000002 is not usable and is not kept: .*MANIFEST: missing" "$OUT")" -eq 1 ] ||
    fail "the incomplete checkpoint was not said exactly once"
[ "$(grep -c "checkpoint $F/000003 failed: injected failure; the job goes on" "$OUT")" -eq 1 ] ||
    fail "the failed checkpoint was not said exactly once"
[ "$(grep -c '^mpiexec: checkpoint' "$OUT")" -eq 2 ] || fail "more than the 2 failures were said"
kept=$(numbered "$F")
[ "$(echo "$kept" | wc -l)" -eq 1 ] && [ $((10#$kept)) -ge 4 ] ||
    fail "want the newest good checkpoint alone, got: $(ls "$F")"
"$top_builddir/tools/nmpi-ckpt" check "$F/$kept" >/dev/null || fail "the kept checkpoint does not check out"
no_leftovers

echo "== 5. bad option values"
refused "wants a number of seconds above 0" --checkpoint-every 0 --checkpoint-dir "$TMPD/b"
refused "wants a number of seconds above 0" --checkpoint-every -1 --checkpoint-dir "$TMPD/b"
refused "wants a number of seconds above 0 (like 30 or 0.5), got 'x'" --checkpoint-every=x --checkpoint-dir "$TMPD/b"
refused "wants a number of checkpoints (1 or more), got '0'" --checkpoint-every 1 \
    --checkpoint-dir "$TMPD/b" --checkpoint-keep 0
refused "wants a number of restarts (0 or more), got 'two'" --checkpoint-every 1 \
    --checkpoint-dir "$TMPD/b" --restart-on-failure two
refused "needs --checkpoint-dir DIR" --checkpoint-every 1
refused "go with --checkpoint-every SECONDS" --checkpoint-dir "$TMPD/b"
refused "go with --checkpoint-every SECONDS" --restart-on-failure 1
touch "$TMPD/file"
refused "--checkpoint-dir: cannot make '$TMPD/file/sub'" --checkpoint-every 1 \
    --checkpoint-dir "$TMPD/file/sub"
refused "option --checkpoint-keep needs a value" --checkpoint-every 1 --checkpoint-dir "$TMPD/b" \
    --checkpoint-keep=
no_leftovers

echo "== 6. restarts on failure are bounded"
R=$TMPD/r
run_mpi "$NP" --spares 1 --checkpoint-every 0.5 --checkpoint-dir "$R" --restart-on-failure 2 \
    -- ckpt_auto 40 100 die=30
[ $? -ne 0 ] || fail "a job that always dies ended with status 0"
! grep -q '^ckpt_auto: OK' "$OUT" || fail "the job that always dies finished"
from1=$(sed -n "s|^mpiexec: the job failed (exit status [0-9]*); restarting it from $R/\([0-9]*\) (restart 1 of 2)\$|\1|p" "$OUT")
from2=$(sed -n "s|^mpiexec: the job failed (exit status [0-9]*); restarting it from $R/\([0-9]*\) (restart 2 of 2)\$|\1|p" "$OUT")
[ -n "$from1" ] && [ -n "$from2" ] && [ $((10#$from2)) -ge $((10#$from1)) ] ||
    fail "want restarts 1 and 2 of 2, from checkpoints numbered on ($from1, $from2)"
[ "$(cat "$R/.last")" -ge $((10#$from2)) ] || fail "the numbering went back ($(cat "$R/.last") after $from2)"
[ "$(grep -c 'restarting it from' "$OUT")" -eq 2 ] || fail "more than 2 restarts"
cmd=$(grep -A1 'to restart it from its last complete checkpoint, run:$' "$OUT" | tail -n 1)
[[ "$cmd" == "$MPIEXEC --restart $R/0"*" -n $NP --spares 1 --checkpoint-every 0.5 --checkpoint-dir $R --restart-on-failure 2 $BINDIR/ckpt_auto 40 100 die=30" ]] ||
    fail "no restart command after the last restart: '$cmd'"
no_leftovers

echo "== 7. the checkpoint to restart from"
D=$TMPD/d
cp -a "$C" "$D"
set -- $ck_kept
size=$(stat -c %s "$D/$2/rank-1.img")
printf '\377' | dd of="$D/$2/rank-1.img" bs=1 seek=$((size - 4096)) conv=notrunc status=none
printf '\000' | dd of="$D/$2/rank-1.img" bs=1 seek=$((size - 4095)) conv=notrunc status=none
keeper=$top_builddir/tools/nmpi-ckpt-keeper
got=$("$keeper" newest "$D" 2>"$TMPD/newest.err") || fail "no checkpoint chosen in $D"
cat "$TMPD/newest.err"
[ "$got" = "$D/$1" ] || fail "chose '$got', want $D/$1"
grep -q "^mpiexec: passing over $D/$2, not a usable checkpoint: rank-1.img: damaged contents" \
    "$TMPD/newest.err" || fail "passing over the damaged checkpoint was not said"
mkdir "$D/000099" && cp "$D/$1/rank-0.img" "$D/000099/"
touch "$D/notes"
"$keeper" prune "$D" 2 || fail "prune failed"
[ "$(ls "$D" | tr '\n' ' ')" = "$1 notes " ] || fail "after pruning: $(ls "$D"), want $1 notes"
"$keeper" newest "$TMPD/b" 2>/dev/null && fail "a checkpoint chosen in an empty directory"

echo "== 8. TERM to mpiexec"
: >"$TMPD/t.out"
"$MPIEXEC" -n "$NP" --spares 2 --checkpoint-every 0.5 --checkpoint-dir "$TMPD/t" \
    --restart-on-failure 2 "$BINDIR/ckpt_auto" 100 100 </dev/null >"$TMPD/t.out" 2>&1 &
job=$!
wait_for "$TMPD/t.out" $job 1 "ckpt_auto: ready"
kill -TERM $job
for ((i = 0; i < 200; i++)); do
    kill -0 $job 2>/dev/null || break
    sleep 0.1
done
kill -0 $job 2>/dev/null && { kill -KILL $job; fail "mpiexec did not end 20 s after TERM"; }
wait $job
status=$?
cat "$TMPD/t.out"
[ $status -ne 0 ] || fail "a job ended by TERM exited 0"
! grep -q 'restarting\|ckpt_auto: OK' "$TMPD/t.out" || fail "the job went on or was restarted after TERM"
no_leftovers
echo "PASS"
