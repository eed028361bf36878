#!/bin/bash
# soak.sh: a job that moves its ranks for a while, every message checked.
#
# Runs tests/soak/soak (5 ranks + 3 spares: all-pairs traffic with
# MPI_ANY_SOURCE, ranks moving by themselves, all together, and not at all,
# in turn) for SOAK_SECONDS (60 by default; `make soak` passes
# SOAK_MINUTES * 60), and meanwhile moves random ranks from outside with
# mpimigrate every SOAK_ASK_SECONDS (0.2). Passes when the job ends well
# (every payload and order checked inside it), no mpimigrate call ended
# without an outcome (exit 4) or in error (exit 1), and no move took longer
# than SOAK_MAX_MOVE_MS (5000 here, where make check runs other tests
# beside it; `make soak` asks for 1000, on a quiet machine). Prints the
# job's totals and mpimigrate's.
. "$(dirname "$0")/../mpi/common.sh"
ours || skip "the soak moves ranks: a nanvix-mpi extension"
BINDIR=${NMPI_TEST_BINDIR:-$top_builddir/tests/soak}
MM=$top_builddir/tools/mpimigrate
seconds=${SOAK_SECONDS:-60}
ask=${SOAK_ASK_SECONDS:-0.2}
max_ms=${SOAK_MAX_MOVE_MS:-5000}
export NMPI_RUN_DIR=$TMPD/run
export NMPI_MIGRATE_TIMEOUT=${NMPI_MIGRATE_TIMEOUT:-20}
JOB=
trap 'kill $JOB 2>/dev/null; rm -rf "$TMPD"' EXIT

echo "+ $MPIEXEC -n 5 --spares 3 soak $seconds &"
timeout -k 10 $((seconds + 300)) "$MPIEXEC" -n 5 --spares 3 "$BINDIR/soak" "$seconds" \
    </dev/null >"$OUT" 2>&1 &
JOB=$!
wait_for "$OUT" $JOB 1 "soak: ready"
job_id=$(ls "$NMPI_RUN_DIR")
[ -n "$job_id" ] || fail "no job directory in $NMPI_RUN_DIR"

declare -A outcome=([0]=0 [1]=0 [2]=0 [3]=0 [4]=0)
while kill -0 $JOB 2>/dev/null; do
    "$MM" --job "$job_id" --timeout 60 $((RANDOM % 5)) any >"$TMPD/mm.out" 2>&1
    st=$?
    [ "$st" -le 4 ] || st=1
    outcome[$st]=$((outcome[$st] + 1))
    [ "$st" -eq 1 ] || [ "$st" -eq 4 ] && cat "$TMPD/mm.out"
    sleep "$ask"
done
wait $JOB
status=$?
cat "$OUT"
echo "mpimigrate: ${outcome[0]} moved, ${outcome[3]} refused, ${outcome[2]} job gone," \
    "${outcome[4]} without outcome, ${outcome[1]} errors"
[ $status -eq 0 ] || fail "the job's exit status is $status"
line=$(grep '^soak: OK ' "$OUT") || fail "no 'soak: OK' line"
[ "${outcome[4]}" -eq 0 ] || fail "${outcome[4]} mpimigrate calls had no outcome in time"
[ "${outcome[1]}" -eq 0 ] || fail "${outcome[1]} mpimigrate calls failed"
[ "${outcome[0]}" -gt 0 ] || fail "mpimigrate moved no rank"
slowest=$(echo "$line" | sed -n 's/.*slowest move \([0-9.]*\) ms$/\1/p')
awk -v s="$slowest" -v m="$max_ms" 'BEGIN { exit !(s != "" && s <= m) }' ||
    fail "slowest move ${slowest:-?} ms, want at most $max_ms ms"
echo "soak: passed ($seconds s)"
