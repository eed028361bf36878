# model-fit.awk: the cost model's lines for one path, from the "move" lines
# of bench/migration.c (make bench-migration: path local; make
# bench-migration-hosts: path hosts).
#
#   awk -v path=PATH -v what=TEXT -v model=FILE [-v skip=N] -f bench/model-fit.awk OUT
#
# skip: moves left out at the start of each heap size (default 2, the
# first round trip; 0 for bench/run-migration-modes.sh's cold moves, which
# all pay the same first touch). floor (seconds, default 0): weights are
# 1 / max(measured, floor / 0.1)^2, the inverse square of the tolerance
# "10% or floor, whichever is larger" the model is judged by (the issue's
# target uses floor = 1 ms): below 10 * floor a move's error counts in
# seconds, not relative to a cost too small to predict that closely.
#
# Fits downtime = a + b * bytes and total = a' + b' * bytes (total =
# freeze + downtime + route update) over the steady moves (without the
# first round trip of each heap size), by least squares weighted by
# 1 / measured^2, i.e. on the relative error, which is how the model is
# judged (the 2009 C/R study reports >90% accuracy): an unweighted fit is
# ruled by the largest moves and misses small ones by more than their whole
# cost. R^2 is the weighted fit's. Writes the two lines ("<path> downtime
# a b R^2 points", "<path> total ...", rank-migrate/rmig_model.h format 1)
# to FILE, prints them in words, then the model's accuracy on the moves it
# measured: mean and worst |predicted - measured| / measured of the
# downtime, over the steady moves and over every move. Exit 1 with a
# message when there are too few moves or a single heap size.
BEGIN {
    if (skip == "") skip = 2
    floor += 0
    wdesc = floor > 0 ? sprintf("weighted by 1/max(measured, %g ms)^2", floor * 1e4) : "weighted by 1/measured^2"
    fitted = skip > 0 ? "steady moves" : "moves"
}
$1 == "move" {
    h = $2
    if (++seen[h] > skip) { n++; x[n] = $3; d[n] = $8; t[n] = $4 + $8 + $7 }
    m++; X[m] = $3; D[m] = $8
}
# The weight of a measured y: 1 / its tolerance^2.
function weight(y) {
    if (y < 10 * floor) y = 10 * floor
    return 1 / (y * y)
}
# Weighted least squares y = a + b x; sets A, B, R2.
function wfit(k, x, y,    i, w, sw, sx, sy, sxx, sxy, e, sse, sst, ym) {
    for (i = 1; i <= k; i++) {
        w = weight(y[i]); sw += w; sx += w * x[i]; sy += w * y[i]
        sxx += w * x[i] * x[i]; sxy += w * x[i] * y[i]
    }
    B = (sw * sxy - sx * sy) / (sw * sxx - sx * sx); A = (sy - B * sx) / sw; ym = sy / sw
    for (i = 1; i <= k; i++) {
        w = weight(y[i]); e = y[i] - (A + B * x[i]); sse += w * e * e
        sst += w * (y[i] - ym) * (y[i] - ym)
    }
    R2 = sst > 0 ? 1 - sse / sst : 1
    if (R2 < 0) R2 = 0
}
function accuracy(label, k, x, y,    i, p, r, sum, worst, ok) {
    for (i = 1; i <= k; i++) {
        p = A_d + B_d * x[i]; p = p > 0 ? p : 0
        r = (p > y[i] ? p - y[i] : y[i] - p) / y[i]; sum += r; worst = r > worst ? r : worst
        ok += r * y[i] <= (0.1 * y[i] > floor ? 0.1 * y[i] : floor)
    }
    printf "model accuracy (path %s) over %s (%d moves): downtime |predicted - measured| / measured: mean %.1f%%, worst %.1f%% (mean accuracy %.1f%%)",
        path, label, k, 100 * sum / k, 100 * worst, 100 - 100 * sum / k
    if (floor > 0) printf "; within max(10%%, %g ms): %d of %d", floor * 1e3, ok, k
    printf "\n"
}
END {
    if (n < 2) { print "model: too few " fitted " to fit" > "/dev/stderr"; exit 1 }
    for (i = 2; i <= n && x[i] == x[1]; i++) ;
    if (i > n) { print "model: needs two heap sizes" > "/dev/stderr"; exit 1 }
    wfit(n, x, d); A_d = A; B_d = B; R2_d = R2
    wfit(n, x, t); A_t = A; B_t = B; R2_t = R2
    printf "%s downtime %.6e %.6e %.4f %d\n", path, A_d, B_d, R2_d, n > model
    printf "%s total %.6e %.6e %.4f %d\n", path, A_t, B_t, R2_t, n > model
    printf "model (path %s, %d %s, %s): downtime = %.3f ms + %.4g s/byte * bytes (R^2 %.4f); total = %.3f ms + %.4g s/byte * bytes (R^2 %.4f)\n",
        path, n, fitted, wdesc, A_d * 1e3, B_d, R2_d, A_t * 1e3, B_t, R2_t
    accuracy("the " fitted, n, x, d)
    if (skip > 0) accuracy("every move", m, X, D)
}
