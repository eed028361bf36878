#!/bin/bash
# npb_ckpt_fail.sh: a cluster killed under periodic checkpoints (issue 14,
# item 3): mpiexec --checkpoint-every with and without --restart-on-failure.
#
# CG, MG and FT at class S, paced (--pace: a sleep at every iteration, so that
# the run lasts a few seconds; results unchanged), 2 ranks + 1 spare, a
# checkpoint every half second into DIR. Once the first checkpoint is
# complete, the process of cluster 1 (rank 1) is killed with SIGKILL (found
# by its shared-memory region's name and its NMPI_JOB_DIR), which ends the
# job.
# 1. With --restart-on-failure 2, mpiexec says it restarts the job from the
#    newest complete checkpoint and does; it exits 0, the restarted job's
#    output is the end of the uninterrupted run's, line for line (every
#    iteration's residuals and checksums as printed, timings aside), ending
#    in "Verification = SUCCESSFUL"; the restarted job took checkpoints of
#    its own, numbered on.
# 2. Without it (CG), mpiexec exits non-zero and prints the command that
#    restarts the job; that command, run as printed, does the same.
# Nothing is left in /dev/shm or in the run directory afterwards.
. "$(dirname "$0")/../mpi/common.sh"
ours || skip "periodic checkpoints are nanvix-mpi's"
[ -d /dev/shm ] || skip "no /dev/shm"
"$top_builddir/tools/mpimigrate" --help 2>&1 | grep -q -- --checkpoint ||
    fail "mpimigrate has no --checkpoint (the trigger of periodic checkpoints)"
bin=$top_builddir/examples/npb
export NMPI_RUN_DIR=$TMPD/run
uid=$(id -u)
touch "$TMPD/start"
failed=()

# program_lines FILE: the kernel's output without timings and library lines.
program_lines() {
    grep -v -e '^ Time in seconds' -e '^ Mop/s' -e '^nanvix-mpi: ' -e '^+ ' -e '^ Migration' \
        -e '^mpiexec: ' -e '^/' "$1"
}

# kill_cluster_when_checkpointed DIR JOBPID: once DIR/000001 is complete,
# SIGKILLs the process of cluster 1 of the job running in $NMPI_RUN_DIR.
kill_cluster_when_checkpointed() {
    local dir=$1 job=$2 i f pid
    for ((i = 0; i < 600; i++)); do
        "$top_builddir/tools/nmpi-ckpt" check "$dir/000001" >/dev/null 2>&1 && break
        kill -0 "$job" 2>/dev/null || return 1
        sleep 0.1
    done
    for f in /dev/shm/nmpi-"$uid"-*-1-*; do
        pid=${f##*-}
        tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q "^NMPI_JOB_DIR=$NMPI_RUN_DIR/" || continue
        echo "killing cluster 1 (pid $pid) after checkpoint 000001"
        kill -KILL "$pid"
        return 0
    done
    return 1
}

# Nothing left: the run directory is empty, no region of a dead process in
# /dev/shm made since the test began.
no_leftovers() {
    local i
    for ((i = 0; i < 30; i++)); do
        [ -z "$(ls -A "$NMPI_RUN_DIR" 2>/dev/null)" ] && break
        sleep 0.1
    done
    [ -z "$(ls -A "$NMPI_RUN_DIR" 2>/dev/null)" ] || failed+=("$1: left in the run dir")
    for ((i = 0; i < 30; i++)); do
        [ -z "$(dead_regions)" ] && return 0
        sleep 0.1
    done
    failed+=("$1: left in /dev/shm: $(dead_regions)")
}

# The regions in /dev/shm made since the test began whose process is gone.
dead_regions() {
    local f
    for f in /dev/shm/nmpi-"$uid"-*-*-*; do
        [ -e "$f" ] && [ "$f" -nt "$TMPD/start" ] || continue
        kill -0 "${f##*-}" 2>/dev/null || echo "$f"
    done
}

# tail_of_ref NAME FILE: FILE's program lines are the last lines of the
# uninterrupted run's and end in a successful verification.
tail_of_ref() {
    local n
    n=$(wc -l <"$2")
    [ "$n" -gt 3 ] && tail -n "$n" "$TMPD/$1.ref" | diff - "$2" &&
        grep -q '^ Verification = SUCCESSFUL' "$2"
}

# killed NAME KERNEL PACE [mpiexec options]: runs the paced kernel with
# periodic checkpoints into $TMPD/NAME and kills a cluster; output in
# $TMPD/NAME.out, status in $status.
killed() {
    local name=$1 k=$2 pace=$3 job
    shift 3
    run_mpi 2 -- "$bin/$k" S >/dev/null || { failed+=("$name: uninterrupted run"); return 1; }
    program_lines "$OUT" >"$TMPD/$name.ref"
    echo "+ $MPIEXEC -n 2 --spares 1 --checkpoint-every 0.5 --checkpoint-dir $TMPD/$name $* $k S --pace $pace &"
    timeout -k 10 60 "$MPIEXEC" -n 2 --spares 1 --checkpoint-every 0.5 \
        --checkpoint-dir "$TMPD/$name" "$@" "$bin/$k" S --pace "$pace" </dev/null >"$TMPD/$name.out" 2>&1 &
    job=$!
    kill_cluster_when_checkpointed "$TMPD/$name" $job || failed+=("$name: no checkpoint or no cluster to kill")
    wait $job
    status=$?
    cat "$TMPD/$name.out"
}

# restarted NAME KERNEL PACE: case 1.
restarted() {
    local name=$1 from
    killed "$@" --restart-on-failure 2 || return
    [ $status -eq 0 ] || { failed+=("$name: exit status $status after the restart"); return; }
    from=$(sed -n "s|^mpiexec: the job failed (exit status [0-9]*); restarting it from $TMPD/$name/\([0-9]*\) (restart 1 of 2)$|\1|p" "$TMPD/$name.out")
    [ -n "$from" ] || { failed+=("$name: no restart said"); return; }
    sed -n "/^mpiexec: the job failed .*restarting it from/,\$p" "$TMPD/$name.out" >"$TMPD/$name.after"
    program_lines "$TMPD/$name.after" >"$TMPD/$name.got"
    tail_of_ref "$name" "$TMPD/$name.got" || { failed+=("$name: the restarted job's output differs"); return; }
    [ "$(ls "$TMPD/$name" | sort -n | tail -n 1)" \> "$from" ] ||
        failed+=("$name: the restarted job took no checkpoint after $from")
    no_leftovers "$name"
    echo "ok: $name (restarted from $from)"
}

restarted cg cg 300
restarted mg mg 1200
restarted ft ft 800

# Case 2: the restart command printed, then run.
killed cg-cmd cg 300
if [ $status -eq 0 ]; then
    failed+=("cg-cmd: mpiexec exited 0 after a cluster was killed")
else
    cmd=$(grep -A1 '^mpiexec: the job failed (exit status [0-9]*); to restart it from its last complete checkpoint, run:$' \
        "$TMPD/cg-cmd.out" | tail -n 1)
    case "$cmd" in
    "$MPIEXEC --restart $TMPD/cg-cmd/0"*" -n 2 --spares 1 --checkpoint-every 0.5 --checkpoint-dir $TMPD/cg-cmd $bin/cg S --pace 300")
        no_leftovers cg-cmd
        echo "+ $cmd"
        timeout -k 10 "$TIMEOUT" bash -c "$cmd" </dev/null >"$TMPD/cg-cmd.after" 2>&1
        status=$?
        cat "$TMPD/cg-cmd.after"
        program_lines "$TMPD/cg-cmd.after" >"$TMPD/cg-cmd.got"
        if [ $status -ne 0 ] || ! tail_of_ref cg-cmd "$TMPD/cg-cmd.got"; then
            failed+=("cg-cmd: the printed restart command did not finish the job right")
        else
            echo "ok: cg-cmd"
        fi ;;
    *) failed+=("cg-cmd: no restart command, or not the job's: '$cmd'") ;;
    esac
fi
no_leftovers cg-cmd
[ ${#failed[@]} -eq 0 ] || fail "${#failed[@]} case(s) failed: $(printf '%s; ' "${failed[@]}")"
echo "npb_ckpt_fail: all cases passed"
