#!/bin/bash
# run-messaging.sh: the messaging benchmark of issue 16 item 4 in one run.
#
# Point-to-point latency and bandwidth from 0 B to PINGPONG_MAX (16 MiB;
# bench/run-pingpong.sh, 2 ranks) and the collectives allreduce, bcast,
# alltoall, allgather, reduce and barrier on COLL_NP ranks (4 8) at
# COLL_SIZES bytes (8 1024 65536 1048576; bench/run-coll.sh), each on
# MPICH and on nanvix-mpi with one MPICH-built binary, as ratios
# ours/MPICH. MESSAGING_REPEAT=N (default 1) runs the whole set N times,
# MPICH and ours alternating inside each, and every row is the median of
# the N runs (the machine is shared: one run is noisy).
#
# Writes bench/messaging.txt (header with the machine's state, both tables,
# one line per bar of the issue, its worst ratio and whether it holds,
# computed from the tables), bench/messaging.dat (the point-to-point curves),
# bench/messaging.gp and, with gnuplot, bench/messaging.png. The raw outputs
# of every run stay in bench/messaging-runs/; MESSAGING_REPLOT=1 remakes
# the outputs from them without running anything.
#
# Environment: top_builddir, top_srcdir (default: this script's tree),
# MPICC_MPICH, HYDRA, MESSAGING_REPEAT, MESSAGING_REPLOT, PINGPONG_MAX,
# COLL_NP, COLL_SIZES.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
export top_srcdir top_builddir MPICC_MPICH HYDRA
repeat=${MESSAGING_REPEAT:-1}
export PINGPONG_MAX=${PINGPONG_MAX:-16777216}
nps=${COLL_NP:-4 8}
sizes=${COLL_SIZES:-8 1024 65536 1048576}
ops=allreduce,bcast,alltoall,allgather,reduce,barrier
out=$top_builddir/bench
runs=$out/messaging-runs
txt=$out/messaging.txt
# MESSAGING_REPLOT=1: the tables, bars and plot again from the runs kept
# in bench/messaging-runs/ (with the state the run saved there), no run.
if [ "${MESSAGING_REPLOT:-0}" = 1 ]; then
    [ -f "$runs/state" ] || { echo "run-messaging: no $runs/state to replot from" >&2; exit 1; }
    # shellcheck source=/dev/null
    . "$runs/state"
else
    case $repeat in '' | *[!0-9]* | 0)
        echo "run-messaging: MESSAGING_REPEAT must be a positive integer" >&2
        exit 2
        ;;
    esac
    rm -rf "$runs"
    mkdir -p "$runs" || exit 1
    start=$(date +%s)
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    failed=()
    for r in $(seq 1 "$repeat"); do
        # A run that fails before it writes must not leave the last run's figures.
        rm -f "$out/pingpong-mpich.out" "$out/pingpong-ours.out"
        for np in $nps; do rm -f "$out/coll-mpich-$np.out" "$out/coll-ours-$np.out"; done
        echo "== run $r of $repeat: point-to-point" >&2
        bash "$top_srcdir/bench/run-pingpong.sh" >"$runs/pingpong-$r.txt" || failed+=("pingpong run $r")
        cp "$out/pingpong-mpich.out" "$runs/pingpong-mpich-$r.out" 2>/dev/null || : >"$runs/pingpong-mpich-$r.out"
        cp "$out/pingpong-ours.out" "$runs/pingpong-ours-$r.out" 2>/dev/null || : >"$runs/pingpong-ours-$r.out"
        echo "== run $r of $repeat: collectives" >&2
        COLL_NP=$nps COLL_SIZES=$sizes COLL_OPS=$ops COLL_TABLE=$runs/coll-$r.txt \
            bash "$top_srcdir/bench/run-coll.sh" >/dev/null || failed+=("collectives run $r")
        for np in $nps; do
            for lib in mpich ours; do
                cp "$out/coll-$lib-$np.out" "$runs/coll-$lib-$np-$r.out" 2>/dev/null ||
                    : >"$runs/coll-$lib-$np-$r.out"
            done
        done
    done
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    elapsed=$(($(date +%s) - start))
    declare -p repeat nps sizes load_before load_after elapsed failed >"$runs/state"
fi

mpich_refs=() ours_runs=() coll_files=()
for r in $(seq 1 "$repeat"); do
    mpich_refs+=("$runs/pingpong-mpich-$r.out")
    ours_runs+=("$runs/pingpong-ours-$r.out")
done
for np in $nps; do
    for r in $(seq 1 "$repeat"); do
        coll_files+=("$runs/coll-mpich-$np-$r.out" "$runs/coll-ours-$np-$r.out")
    done
done
p2p=$(awk -v nref="$repeat" -v agg=median -f "$top_srcdir/bench/pingpong-table.awk" \
    "${mpich_refs[@]}" "${ours_runs[@]}")

# The collectives: rows in the order of MPICH's runs, the median of each
# library's runs; a point our library did not print (a failed run) is '-'.
coll=$(awk '
    FNR == 1 { lib = FILENAME ~ /coll-mpich-/ ? "m" : "o" }
    /^# ranks:/ { np = $3; next }
    /^#/ || NF != 3 { next }
    {
        key = $1 " " np " " $2
        if (lib == "m" && !(key in mn)) order[++n] = key
        if (lib == "m") { mn[key]++; mv[key, mn[key]] = $3 }
        else { on[key]++; ov[key, on[key]] = $3 }
    }
    function median(v, key, k,    a, i, j, t) {
        for (i = 1; i <= k; i++) a[i] = v[key, i] + 0
        for (i = 2; i <= k; i++)
            for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    END {
        printf "%-10s %5s %8s %11s %11s %7s\n", "op", "ranks", "bytes", "ours us", "MPICH us", "ratio"
        for (i = 1; i <= n; i++) {
            split(order[i], k, " ")
            m = median(mv, order[i], mn[order[i]])
            o = on[order[i]] ? median(ov, order[i], on[order[i]]) : ""
            printf "%-10s %5d %8d %11s %11.2f %7s\n", k[1], k[2], k[3],
                o == "" ? "-" : sprintf("%.2f", o), m,
                (o == "" || m == 0) ? "-" : sprintf(o / m < 0.1 ? "%.3f" : "%.2f", o / m)
        }
    }' "${coll_files[@]}")

# The bars of issue 16 item 4, each computed from the tables above: the
# worst ratio over its range; a row without our figure fails its bar.
bars=$( {
    echo "$p2p" | sed 1d | sed 's/^/p2p /'
    echo "$coll" | sed 1d | sed 's/^/coll /'
} | awk '
    function bar(text, worst, where, seen, ok, missing) {
        if (!seen) { printf "bar: %s: not measured in this run\n", text; return }
        if (missing != "") { printf "bar: %s: does NOT hold (no figure of ours at %s)\n", text, missing; return }
        printf "bar: %s: %s %.2f (%s): %s\n", text, where ~ /^at 8 B$/ ? "ratio" : "worst ratio",
            worst, where, ok ? "holds" : "does NOT hold"
    }
    $1 == "p2p" {
        s = $2 + 0; lr = $5; br = $8
        if (s <= 65536) {
            lseen = 1
            if (lr == "-") lmiss = lmiss (lmiss == "" ? "" : ", ") s " B"
            else if (!lw_set || lr + 0 > lw) { lw = lr + 0; lwhere = s " B"; lw_set = 1 }
        }
        if (s == 8) {
            eseen = 1
            if (lr == "-") emiss = "8 B"; else ew = lr + 0
        }
        if (s >= 65536) {
            bseen = 1
            if (br == "-") bmiss = bmiss (bmiss == "" ? "" : ", ") s " B"
            else if (!bw_set || br + 0 < bw) { bw = br + 0; bwhere = s " B"; bw_set = 1 }
        }
        next
    }
    $1 == "coll" && $3 == 4 {
        cseen = 1
        if ($7 == "-") cmiss = cmiss (cmiss == "" ? "" : ", ") $2 " " $4 " B"
        else if (!cw_set || $7 + 0 > cw) { cw = $7 + 0; cwhere = $2 " " $4 " B"; cw_set = 1 }
    }
    END {
        bar("latency <= 1.2x MPICH from 0 B to 64 KiB", lw, "at " lwhere, lseen, lw <= 1.2, lmiss)
        bar("latency <= 1.05x MPICH at 8 B", ew, "at 8 B", eseen, ew <= 1.05, emiss)
        bar("bandwidth >= 1.0x MPICH from 64 KiB", bw, "at " bwhere, bseen, bw >= 1.0, bmiss)
        bar("every collective within 1.2x MPICH on 4 ranks", cw, cwhere, cseen, cw <= 1.2, cmiss)
    }')

cores=$(nproc)
# MPICH's version and device (mpichversion), else the launcher's version.
mpich_version=$(mpichversion 2>/dev/null | awk '
    sub(/^MPICH Version:[ \t]*/, "") { v = $0 } sub(/^MPICH Device:[ \t]*/, "") { d = $0 }
    END { if (v != "") printf "%s, device %s (mpichversion)", v, d }')
[ -n "$mpich_version" ] || mpich_version="$("$HYDRA" --version 2>/dev/null |
    awk '/^[ \t]*Version:/ { print $2; exit }') ($HYDRA --version)"
over=
for np in $nps; do [ "$np" -gt "$cores" ] && over="$over $np"; done
{
    echo "# nanvix-mpi against MPICH, messaging (bench/run-messaging.sh, issue 16 item 4)"
    echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC'), host: $(hostname), cores: $cores"
    echo "# load average (1 5 15 min) before: $load_before, after: $load_after; run took ${elapsed} s"
    echo "# MPICH: $mpich_version"
    echo "# our tree: $(git -C "$top_srcdir" describe --always --dirty 2>/dev/null || echo unknown)" \
        "($(git -C "$top_srcdir" log -1 --format=%cd --date=short 2>/dev/null))"
    grep -h '^# library:' "$runs/pingpong-mpich-1.out" "$runs/pingpong-ours-1.out" 2>/dev/null | sort -u
    echo "# each row: the median of $repeat run(s) (MESSAGING_REPEAT); within a run each point is"
    echo "# the best of the benchmark's trials (5 for point-to-point, 3 for collectives)."
    echo "# ratios are ours/MPICH: below 1 is faster for times, above 1 for bandwidth."
    if [ -n "$over" ]; then
        echo "# OVERSUBSCRIBED: the collectives on$over ranks run on $cores cores, so ranks share"
        echo "# cores and a rank that waits for a descheduled peer waits for the scheduler (a"
        echo "# time slice, ms) rather than for the message. MPICH's ranks busy-poll while they"
        echo "# wait, keeping the core their peer needs; ours spin briefly, then yield, then"
        echo "# sleep (nanvix-port/np_wait.c). Those times measure the scheduler more than the"
        echo "# library and favour us: they do not predict the ratios on as many cores as ranks."
    fi
    echo "# point-to-point (2 ranks) also shares the $cores cores with whatever else runs: see the load."
    for f in "${failed[@]}"; do echo "# FAILED: $f (its rows are missing or '-')"; done
    echo
    echo "## point-to-point, 2 ranks: latency (half round trip) and bandwidth (10^6 B/s)"
    echo "$p2p"
    echo
    echo "## collectives: time of one call (slowest rank's average)"
    echo "$coll"
    echo
    echo "## bars of issue 16 item 4 (meant for a quiet machine)"
    echo "$bars"
} >"$txt"
cat "$txt"

# ---- plot -------------------------------------------------------------------
# Sizes from 1 B: a log axis has no 0.
echo "$p2p" | awk 'NR == 1 { print "# bytes mpich_us ours_us latency_ratio mpich_MBps ours_MBps bandwidth_ratio"; next }
    $1 > 0 { print $1, $2, $3, $4, $5, $6, $7 }' >"$out/messaging.dat"
cat >"$out/messaging.gp" <<EOF
# gnuplot script written by bench/run-messaging.sh
set terminal pngcairo size 1400,620
set output '$out/messaging.png'
set datafile missing '-'
set multiplot layout 1,2 title 'nanvix-mpi against MPICH, point-to-point on 2 ranks ($(hostname), load $load_before / $load_after)'
set xlabel 'message size (bytes)'
set logscale x 2
set samples 1000
set format x '2^{%L}'
set grid
set y2label 'ratio ours / MPICH'
set y2tics
set ytics nomirror
set y2range [0:*]
set title 'latency'
set ylabel 'latency (us)'
set logscale y 10
set key outside below horizontal
plot '$out/messaging.dat' using 1:2 with linespoints pt 7 ps 0.6 title 'MPICH', \\
     '' using 1:3 with linespoints pt 5 ps 0.6 title 'nanvix-mpi', \\
     '' using 1:4 axes x1y2 with lines dashtype 2 lw 1.5 title 'ratio (right axis)', \\
     (x <= 65536 ? 1.2 : 1/0) axes x1y2 with lines dashtype 3 lw 2 lc rgb 'gray40' title 'bar: ratio <= 1.2 to 64 KiB'
set title 'bandwidth'
set ylabel 'bandwidth (MB/s)'
unset logscale y
set yrange [0:*]
set key outside below horizontal
plot '$out/messaging.dat' using 1:5 with linespoints pt 7 ps 0.6 title 'MPICH', \\
     '' using 1:6 with linespoints pt 5 ps 0.6 title 'nanvix-mpi', \\
     '' using 1:7 axes x1y2 with lines dashtype 2 lw 1.5 title 'ratio (right axis)', \\
     (x >= 65536 ? 1 : 1/0) axes x1y2 with lines dashtype 3 lw 2 lc rgb 'gray40' title 'bar: ratio >= 1 from 64 KiB'
unset multiplot
EOF
if command -v gnuplot >/dev/null; then
    gnuplot "$out/messaging.gp" && echo "plot: $out/messaging.png"
else
    echo "plot: gnuplot is not installed (Debian gnuplot-nox); run gnuplot $out/messaging.gp"
fi
[ ${#failed[@]} = 0 ]
