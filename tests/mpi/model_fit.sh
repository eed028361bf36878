#!/bin/bash
# model_fit.sh: bench/model-fit.awk, the fitter of the migration cost model
# (make bench-migration, -hosts, -modes), on move lines whose answer is
# known, and the model file it writes read back by the library's rules.
#
# 1. Moves on an exact line (downtime = 0.5 ms + 2 ns/byte, freeze 0.1 ms,
#    route update 0.05 ms: total = 0.65 ms + 2 ns/byte) over 3 sizes, the
#    first round trip of each size 10 times slower: with the default skip
#    (2) the fit must give exactly those a and b with R^2 1 and every fitted
#    move within max(10%, 1 ms); with skip=0 the slow moves are fitted too,
#    so a or b must differ (the option is not ignored).
# 2. The same moves with -v floor=0.001 (bench-migration-modes' weights):
#    still exact (weights change nothing on an exact line) and the count
#    "within max(10%, 1 ms): 9 of 9" printed.
# 3. floor changes the fit on points off any line: small moves weigh less
#    when their tolerance is the 1 ms floor.
# 4. A single heap size and too few moves are refused (exit 1, a reason).
# 5. The lines written form a model file the library's parser takes (via
#    tools/mpimigrate --estimate's reader is not needed: the format is
#    checked here field by field: path, kind, numbers, points).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
fit=$top_srcdir/bench/model-fit.awk
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "model_fit: FAIL: $*" >&2
    exit 1
}

# move <heap> <bytes> <freeze> <transfer> <restore> <route> <downtime>
awk 'BEGIN {
    split("1048576 16777216 268435456", h, " ")
    for (s = 1; s <= 3; s++)
        for (m = 1; m <= 5; m++) {
            d = 0.0005 + 2e-9 * h[s]
            if (m <= 2) d *= 10                  # the first round trip
            printf "move %d %d 0.0001 %.12f 0 0.00005 %.12f\n", h[s], h[s], d, d
        }
}' >"$tmp/exact.out"

# 1. default skip: exact
awk -v path=local -v model="$tmp/m1" -f "$fit" "$tmp/exact.out" >"$tmp/log1" || fail "fit 1 failed"
awk '$1 == "local" && $2 == "downtime" { if ($3 + 0 < 0.000499999 || $3 + 0 > 0.000500001 || $4 + 0 < 1.99999e-9 || $4 + 0 > 2.00001e-9 || $5 != "1.0000" || $6 != 9) exit 1; d = 1 }
     $1 == "local" && $2 == "total" { if ($3 + 0 < 0.000649999 || $3 + 0 > 0.000650001 || $4 + 0 < 1.99999e-9 || $4 + 0 > 2.00001e-9 || $5 != "1.0000" || $6 != 9) exit 1; t = 1 }
     END { exit !(d && t && NR == 2) }' "$tmp/m1" || fail "default skip: not the exact line: $(cat "$tmp/m1")"
grep -q 'over the steady moves (9 moves): .*worst 0.0%' "$tmp/log1" || fail "default skip: accuracy line: $(cat "$tmp/log1")"

# skip=0 fits the slow moves too
awk -v path=local -v skip=0 -v model="$tmp/m0" -f "$fit" "$tmp/exact.out" >"$tmp/log0" || fail "fit skip=0 failed"
grep -q '^local downtime .* 15$' "$tmp/m0" || fail "skip=0: want 15 points: $(cat "$tmp/m0")"
cmp -s <(grep downtime "$tmp/m1" | cut -d' ' -f3,4) <(grep downtime "$tmp/m0" | cut -d' ' -f3,4) &&
    fail "skip=0 gave the same line as skip=2"

# 2. floor weights on the exact line
awk -v path=checkpoint -v floor=0.001 -v model="$tmp/mf" -f "$fit" "$tmp/exact.out" >"$tmp/logf" ||
    fail "fit floor failed"
cmp -s <(cut -d' ' -f2- "$tmp/m1") <(cut -d' ' -f2- "$tmp/mf") || fail "floor changed an exact fit: $(cat "$tmp/mf")"
grep -q '^checkpoint total ' "$tmp/mf" || fail "path name not written: $(cat "$tmp/mf")"
grep -q 'weighted by 1/max(measured, 10 ms)^2' "$tmp/logf" || fail "floor not said: $(cat "$tmp/logf")"
grep -q 'within max(10%, 1 ms): 9 of 9' "$tmp/logf" || fail "within count: $(cat "$tmp/logf")"

# 3. three sizes off any line: floor gives the 1 MiB moves (0.2-0.4 ms,
# under the 1 ms floor) less weight, so the line follows the large moves
# more closely (a smaller error at 256 MiB)
awk 'BEGIN {
    split("1048576 1048576 16777216 16777216 268435456 268435456", h, " ")
    split("0.0002 0.0004 0.020 0.024 0.064 0.068", y, " ")
    for (i = 1; i <= 6; i++) printf "move %d %d 0 0 0 0 %s\n", h[i], h[i], y[i]
}' >"$tmp/scatter.out"
awk -v path=local -v skip=0 -v model="$tmp/s0" -f "$fit" "$tmp/scatter.out" >/dev/null || fail "scatter fit"
awk -v path=local -v skip=0 -v floor=0.001 -v model="$tmp/s1" -f "$fit" "$tmp/scatter.out" >/dev/null ||
    fail "scatter fit floor"
e0=$(awk '$2 == "downtime" { p = $3 + $4 * 268435456; print (p > 0.066 ? p - 0.066 : 0.066 - p) }' "$tmp/s0")
e1=$(awk '$2 == "downtime" { p = $3 + $4 * 268435456; print (p > 0.066 ? p - 0.066 : 0.066 - p) }' "$tmp/s1")
awk -v a="$e0" -v b="$e1" 'BEGIN { exit !(b < a) }' ||
    fail "floor did not move the line towards the large moves (error at 256 MiB $e1 vs $e0)"

# 4. refusals
head -5 "$tmp/exact.out" >"$tmp/one.out"
awk -v path=local -v skip=0 -v model="$tmp/r" -f "$fit" "$tmp/one.out" >/dev/null 2>"$tmp/err1" &&
    fail "one heap size was fitted"
grep -q 'needs two heap sizes' "$tmp/err1" || fail "one size: $(cat "$tmp/err1")"
head -3 "$tmp/exact.out" >"$tmp/few.out"
awk -v path=local -v model="$tmp/r" -f "$fit" "$tmp/few.out" >/dev/null 2>"$tmp/err2" && fail "too few moves fitted"
grep -q 'too few steady moves' "$tmp/err2" || fail "too few: $(cat "$tmp/err2")"

# 5. the format of rank-migrate/rmig_model.h (version 1) line by line
awk '{ if (NF != 6 || $1 !~ /^(local|hosts|checkpoint)$/ || $2 !~ /^(downtime|total)$/ ||
          $3 !~ /^-?[0-9.]+e[-+][0-9]+$/ || $4 !~ /^[0-9.]+e[-+][0-9]+$/ || $5 !~ /^[01]\.[0-9]+$/ ||
          $6 !~ /^[0-9]+$/ || $6 < 2) exit 1 }' "$tmp/m1" "$tmp/m0" "$tmp/mf" "$tmp/s0" "$tmp/s1" ||
    fail "a line out of the model format"
echo "model_fit: OK (exact line recovered with skip 2 and floor 1 ms, skip 0 and floor change the fit, refusals, format)"
