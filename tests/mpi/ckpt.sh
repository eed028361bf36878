#!/bin/bash
# ckpt.sh: coordinated checkpoint and restart (issue 14, MPIX_Checkpoint and
# mpiexec --restart), with tests/mpi/ckpt.c.
#
# 1. A run without checkpoint gives the reference results; a run that takes
#    the checkpoint and goes on gives them too.
# 2. A run killed right after its checkpoint (SIGKILL of rank 1's cluster)
#    leaves a complete checkpoint; restarted from it with other spare counts
#    (2, then 0: a checkpoint can be used again) the job prints the
#    reference results bit for bit, and says it was restarted.
# 3. The same with ranks moving before the checkpoint, a move asked as the
#    checkpoint begins (done after it, with messages in flight) and moves
#    after the restart.
# 4. Damaged checkpoints are refused with a clear message, nonzero status
#    and no program output: a flipped byte in a range, in an image header,
#    in the manifest; a truncated image; a missing image; no manifest; a
#    checkpoint of another executable; another -n.
# 5. Bad arguments give MPI_ERR_ARG, a directory that cannot be made
#    MPI_ERR_IO, and the job carries on.
. "$(dirname "$0")/common.sh"
ours || skip "MPIX_Checkpoint and mpiexec --restart are nanvix-mpi's"
NP=3

# results FILE: the program's result lines (not the '#' ones).
results() {
    grep '^ckpt: ' "$1"
}

# restart_ok DIR SPARES [MOVES]: restarts from DIR, checks the results.
restart_ok() {
    run_mpi "$NP" --spares "$2" --restart "$1" -- ckpt "$1" die ${3:+"$3"}
    [ $? -eq 0 ] || fail "restart from $1 with $2 spares failed"
    grep -qx '# restarted=1' "$OUT" || fail "the restarted job did not return from a restart"
    results "$OUT" | diff "$TMPD/ref" - || fail "restart from $1 ($2 spares): results differ"
}

# refused WHY DIR [mpiexec options]: a restart of $PROG (default ckpt) from
# DIR must fail with a message matching WHY, before the program prints.
refused() {
    local why=$1 dir=$2 prog=${PROG:-ckpt}
    shift 2
    run_mpi "$NP" "$@" --restart "$dir" -- "$prog" "$dir" die
    local status=$?
    [ $status -ne 0 ] && [ $status -ne 124 ] || fail "a restart from $dir was not refused ($status)"
    grep -q -- "$why" "$OUT" || fail "no message says '$why'"
    ! grep -q '^ckpt: ' "$OUT" || fail "the program ran from a refused checkpoint"
}

# flip FILE OFFSET: inverts one byte of FILE.
flip() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

echo "== 1. uninterrupted runs"
run_mpi "$NP" -- ckpt "$TMPD/none" none || fail "the run without checkpoint failed"
results "$OUT" >"$TMPD/ref"
grep -qx 'ckpt: OK' "$TMPD/ref" || fail "no result from the run without checkpoint"
run_mpi "$NP" --spares 1 -- ckpt "$TMPD/run" run || fail "the uninterrupted run failed"
grep -qx '# restarted=0' "$OUT" || fail "MPIX_Checkpoint said restarted in a first run"
results "$OUT" | diff "$TMPD/ref" - || fail "a checkpoint changed the results"

echo "== 2. killed after the checkpoint, restarted"
run_mpi "$NP" -- ckpt "$TMPD/c" die
[ $? -ne 0 ] || fail "the job went on after rank 1's cluster was killed"
! grep -q '^ckpt: ' "$OUT" || fail "the killed job printed results"
"$top_builddir/tools/nmpi-ckpt" check "$TMPD/c" | grep -qx "ranks $NP" ||
    fail "the checkpoint of the killed job does not check out"
restart_ok "$TMPD/c" 2
restart_ok "$TMPD/c" 0

echo "== 3. with moves around the checkpoint"
run_mpi "$NP" --spares 2 -- ckpt "$TMPD/m" die 2
[ $? -ne 0 ] || fail "the job went on after rank 1's cluster was killed"
restart_ok "$TMPD/m" 1 2

echo "== 4. damaged checkpoints"
damaged() { # damaged NAME: a fresh copy of the good checkpoint
    rm -rf "${TMPD:?}/$1" && cp -a "$TMPD/c" "$TMPD/$1"
}
size=$(stat -c %s "$TMPD/c/rank-1.img")
damaged range && flip "$TMPD/range/rank-1.img" $((size - 4096))
refused "rank-1.img: damaged contents" "$TMPD/range"
damaged head && flip "$TMPD/head/rank-2.img" 20
refused "rank-2.img: damaged header" "$TMPD/head"
damaged manifest && flip "$TMPD/manifest/MANIFEST" 40
refused "MANIFEST: damaged" "$TMPD/manifest"
damaged trunc && truncate -s $((size - 1)) "$TMPD/trunc/rank-1.img"
refused "rank-1.img: not the length the manifest says" "$TMPD/trunc"
damaged missing && rm "$TMPD/missing/rank-0.img"
refused "rank-0.img: missing" "$TMPD/missing"
damaged incomplete && rm "$TMPD/incomplete/MANIFEST"
refused "MANIFEST: missing (the checkpoint is incomplete)" "$TMPD/incomplete"
PROG=migrate refused "written by another executable" "$TMPD/c"
refused "has $NP ranks, not 2" "$TMPD/c" -n 2
restart_ok "$TMPD/c" 1 # the refusals changed nothing

echo "== 5. error classes"
mkdir -p "$TMPD/e" && touch "$TMPD/e/file"
expect_ok "$NP" -- ckpt "$TMPD/e" errors "ckpt: errors OK"
echo "PASS"
