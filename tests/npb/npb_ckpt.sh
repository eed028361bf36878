#!/bin/bash
# npb_ckpt.sh: the NPB kernels at class S through a checkpoint (issue 14).
#
# For EP, IS, CG, MG and FT: an uninterrupted run; then a run that takes a
# checkpoint at iteration 2 of its timed loop and has its last rank's
# cluster killed right after (--checkpoint 2:DIR:kill); then `mpiexec
# --restart DIR` with another spare count (and, for CG, a rank moving after
# the restart: scheduled by --migrate in the checkpointed run). The killed run's output followed by the restarted run's
# must be the uninterrupted run's line for line (timings aside: every
# iteration's residuals and checksums, bit for bit as printed), ending in
# "Verification = SUCCESSFUL". CG also runs on 4 ranks.
. "$(dirname "$0")/../mpi/common.sh"
ours || skip "checkpoints are nanvix-mpi's"
bin=$top_builddir/examples/npb
failed=()

# program_lines FILE: the kernel's output without timings and library lines.
program_lines() {
    grep -v -e '^ Time in seconds' -e '^ Mop/s' -e '^nanvix-mpi: ' -e '^+ ' -e '^ Migration' "$1"
}

# through_checkpoint NAME NP SPARES KERNEL [kernel options]: the options go
# to the checkpointed run; the restarted job resumes with what that run had
# parsed (its globals are in the images), so they are given again only for
# the record.
through_checkpoint() {
    local name=$1 np=$2 spares=$3 k=$4 dir=$TMPD/$1
    shift 4
    run_mpi "$np" -- "$bin/$k" S >/dev/null || { failed+=("$name: uninterrupted run"); return; }
    program_lines "$OUT" >"$TMPD/$name.ref"
    run_mpi "$np" --spares "$spares" -- "$bin/$k" S --checkpoint "2:$dir:kill" "$@" >/dev/null
    [ $? -ne 0 ] || { failed+=("$name: the killed run went on"); return; }
    program_lines "$OUT" >"$TMPD/$name.got"
    run_mpi "$np" --spares "$spares" --restart "$dir" -- "$bin/$k" S --checkpoint "2:$dir:kill" "$@"
    [ $? -eq 0 ] || { failed+=("$name: restart failed"); return; }
    program_lines "$OUT" >>"$TMPD/$name.got"
    if ! diff "$TMPD/$name.ref" "$TMPD/$name.got" ||
        ! grep -q '^ Verification = SUCCESSFUL' "$TMPD/$name.got"; then
        failed+=("$name: output differs from the uninterrupted run")
        return
    fi
    echo "ok: $name"
}

for k in ep is cg mg ft; do
    through_checkpoint "$k" 2 1 "$k"
done
through_checkpoint cg4 4 2 cg
# The move scheduled at iteration 4 happens in the restarted job.
through_checkpoint cg-move 2 2 cg --migrate 1@4
grep -qE '^ Migration 1: rank 1 at iteration 4: cluster 1 -> [23] in ' "$OUT" ||
    failed+=("cg-move: the move after the restart is not reported")
[ ${#failed[@]} -eq 0 ] || fail "${#failed[@]} case(s) failed: $(printf '%s; ' "${failed[@]}")"
echo "npb_ckpt: all cases passed"
