#!/bin/bash
# oversub.sh: 8 ranks on 2 cores (ring + allreduce loop) must finish within
# 60 s: waits must yield the CPU, not spin it away.
. "$(dirname "$0")/common.sh"
limit=${NMPI_TEST_OVERSUB_LIMIT:-60}
pin=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -gt 2 ]; then
    pin=(taskset -c 0,1) # the whole job (launcher included) on 2 cores
fi
echo "+ ${pin[*]} $MPIEXEC -n 8 $BINDIR/oversub 200"
start=$(date +%s.%N)
timeout -k 10 "$TIMEOUT" "${pin[@]}" "$MPIEXEC" -n 8 "$BINDIR/oversub" 200 </dev/null >"$OUT" 2>&1
status=$?
end=$(date +%s.%N)
cat "$OUT"
elapsed=$(awk "BEGIN{printf \"%.2f\", $end - $start}")
echo "elapsed: $elapsed s (limit $limit s)"
[ $status -ne 124 ] || fail "timed out after $TIMEOUT s"
[ $status -eq 0 ] || fail "exit status $status"
grep -q '^oversub: OK 8 ranks' "$OUT" || fail "no 'oversub: OK' line"
awk "BEGIN{exit !($elapsed <= $limit)}" || fail "took $elapsed s, more than $limit s"
