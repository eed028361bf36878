# pingpong-table.awk: the side-by-side table of two or more pingpong outputs.
#
# Usage: awk -v nref=K -f pingpong-table.awk REF_1 .. REF_K OURS_1 .. OURS_M
# The first nref files are runs of the reference library (MPICH), the others
# runs of ours (bench/pingpong.c output: "size latency_us bandwidth_MBps"
# lines). When a library ran several times (alternating with the other, so
# that a burst of load on a shared machine hits both alike), each size keeps
# its best run: the lowest latency, hence the highest bandwidth. Prints
# size, latency of each (us) and ratio ours/MPICH, bandwidth of each (MB/s)
# and ratio ours/MPICH.
FNR == 1 { file++ }
/^#/ || NF != 3 { next }
file <= nref {
    if (!($1 in mlat)) order[++n] = $1
    if (!($1 in mlat) || $2 < mlat[$1]) { mlat[$1] = $2; mbw[$1] = $3 }
    next
}
{
    if (!($1 in olat) || $2 < olat[$1]) { olat[$1] = $2; obw[$1] = $3 }
}
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
function val(v) { return v == "" ? "-" : v }
END {
    printf "%10s %12s %12s %7s %12s %12s %7s\n", "size", "MPICH us", "ours us", "ratio",
        "MPICH MB/s", "ours MB/s", "ratio"
    for (i = 1; i <= n; i++) {
        s = order[i]
        printf "%10s %12s %12s %7s %12s %12s %7s\n", s, mlat[s], val(olat[s]),
            ratio(olat[s], mlat[s]), mbw[s], val(obw[s]), ratio(obw[s], mbw[s])
    }
}
