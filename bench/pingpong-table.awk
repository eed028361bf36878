# pingpong-table.awk: the side-by-side table of two or more pingpong outputs.
#
# Usage: awk -v nref=K [-v agg=median] -f pingpong-table.awk REF_1 .. REF_K OURS_1 .. OURS_M
# The first nref files are runs of the reference library (MPICH), the others
# runs of ours (bench/pingpong.c output: "size latency_us bandwidth_MBps"
# lines). When a library ran several times (alternating with the other, so
# that a burst of load on a shared machine hits both alike), each size keeps
# its best run: the lowest latency, hence the highest bandwidth; with
# agg=median, the median latency of the runs instead, and the bandwidth it
# gives (size / latency, as bench/pingpong.c computes it), so the two
# columns agree when the count of runs is even (bench/run-messaging.sh: a
# typical figure, not the luckiest). Prints
# size, latency of each (us) and ratio ours/MPICH, bandwidth of each (MB/s)
# and ratio ours/MPICH.
FNR == 1 { file++ }
/^#/ || NF != 3 { next }
file <= nref {
    if (!($1 in mlat)) order[++n] = $1
    if (!($1 in mlat) || $2 < mlat[$1]) { mlat[$1] = $2; mbw[$1] = $3 }
    mruns[$1]++; mlats[$1, mruns[$1]] = $2
    next
}
{
    if (!($1 in olat) || $2 < olat[$1]) { olat[$1] = $2; obw[$1] = $3 }
    oruns[$1]++; olats[$1, oruns[$1]] = $2
}
# The median of v[key, 1..k] (the mean of the two middle values if k is even).
function median(v, key, k,    a, i, j, t) {
    for (i = 1; i <= k; i++) a[i] = v[key, i] + 0
    for (i = 2; i <= k; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
function val(v) { return v == "" ? "-" : v }
END {
    if (agg == "median")
        for (i = 1; i <= n; i++) {
            s = order[i]
            mlat[s] = sprintf("%.3f", median(mlats, s, mruns[s]))
            mbw[s] = sprintf("%.1f", mlat[s] > 0 ? s / mlat[s] : 0)
            if (s in oruns) {
                olat[s] = sprintf("%.3f", median(olats, s, oruns[s]))
                obw[s] = sprintf("%.1f", olat[s] > 0 ? s / olat[s] : 0)
            }
        }
    printf "%10s %12s %12s %7s %12s %12s %7s\n", "size", "MPICH us", "ours us", "ratio",
        "MPICH MB/s", "ours MB/s", "ratio"
    for (i = 1; i <= n; i++) {
        s = order[i]
        printf "%10s %12s %12s %7s %12s %12s %7s\n", s, mlat[s], val(olat[s]),
            ratio(olat[s], mlat[s]), mbw[s], val(obw[s]), ratio(obw[s], mbw[s])
    }
}
