#!/bin/bash
# run-migration-hosts.sh: the inter-host benchmark in one run: ping-pong
# against MPICH and migration between hosts against the link's bandwidth.
#
# Makes two emulated hosts (tests/hosts/hosts.sh, needs root; h0 and h1 are
# joined by veth pairs and a bridge) and, on them, in one run:
#  1. bench/pingpong.c, built once with MPICH's mpicc, one rank on h0 and
#     one on h1, 0 B to PINGPONG_MAX (default 16 MiB): MPICH's library
#     through its own inter-node path, then ours with default settings
#     (tcp;ofi_rxm between hosts), alternately PINGPONG_ROUNDS times
#     (default 3; PINGPONG_ITERS caps the round trips per trial, default
#     2000), each size keeping its best run per library: on a shared
#     machine whose load changes from second to second, several short
#     alternating runs give steadier ratios than one long run each. Table of ratios
#     ours/MPICH (bench/pingpong-table.awk).
#  2. The link's bandwidth, measured twice on the same veth: one TCP
#     stream from h0 to h1 (bench/linkbw.c, what iperf3 measures; 256 MiB,
#     best of 5), and the best one-way bandwidth of MPICH's ping-pong at
#     1 MiB and above. The larger is the limit a container transfer is
#     held to (a container goes as large messages over one TCP connection).
#  3. bench/migration.c, built with our mpicc, one rank on h0 and one spare
#     on h1 (-n 1 --spares 1): the rank moves to the other host and back,
#     MIGRATION_MOVES times (default 10) per container size of
#     MIGRATION_SIZES (default 0 16M 256M heap), checking its heap after
#     every move. Per size: bytes sent, medians of freeze, transfer,
#     restore, route update and downtime; the steady medians (without the
#     first round trip, in which each cluster writes memory it never held);
#     the link limit bytes / link bandwidth and the ratio steady transfer /
#     link limit (the bar: 2 at most).
# Writes bench/migration-hosts.txt (the tables), the raw outputs
# (pingpong-hosts-{mpich,ours}-<round>.out, linkbw-hosts.out,
# migration-hosts.out), data files
# for the plot (migration-hosts.dat, pingpong-hosts.dat), the gnuplot script
# bench/migration-hosts.gp and, when gnuplot is installed (Debian package
# gnuplot-nox), the plot bench/migration-hosts.png.
set -u
# Stop-and-copy moves unless asked otherwise: the default mode (auto) would
# send large ranks pre-copy, and these figures are stop-and-copy's.
export NMPI_MIGRATION_MODE=${NMPI_MIGRATION_MODE:-stop}
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
max=${PINGPONG_MAX:-16777216}
iters=${PINGPONG_ITERS:-2000}
rounds=${PINGPONG_ROUNDS:-3}
moves=${MIGRATION_MOVES:-10}
sizes=${MIGRATION_SIZES:-0 16M 256M}
out=$top_builddir/bench
libs=$top_builddir/.libs
mkdir -p "$out"
. "$top_srcdir/tests/hosts/hosts.sh"
hosts_check || exit 1
die() {
    echo "run-migration-hosts: $*" >&2
    exit 1
}
"$MPICC_MPICH" -O2 -o "$out/pingpong" "$top_srcdir/bench/pingpong.c" || die "cannot build pingpong"
"$top_builddir/tools/mpicc" -O2 -o "$out/migration" "$top_srcdir/bench/migration.c" ||
    die "cannot build migration"
cc -O2 -o "$out/linkbw" "$top_srcdir/bench/linkbw.c" || die "cannot build linkbw"
hosts_up 2 || die "cannot make the hosts"
on_h0_h1=(-hosts h0,h1 -launcher ssh -launcher-exec "$HOSTS_EXEC")

# ---- 1. ping-pong, MPICH and ours alternately ----------------------------
# A run counts when its table reached the largest size, even if it did not
# exit cleanly: MPICH's run once hung in MPI_Finalize after its last line.
pingpong_ok() {
    grep -q "^$max " "$1" || die "the $2 ping-pong failed (no line for $max bytes in $1)"
    [ "$3" = 0 ] || echo "run-migration-hosts: the $2 ping-pong ended with status $3 after its table; kept" >&2
}
mpich_runs=() ours_runs=()
for ((i = 1; i <= rounds; i++)); do
    echo "== round $i/$rounds, MPICH: $HYDRA ${on_h0_h1[*]} -n 2 pingpong $max $iters (h0 -> h1)" >&2
    (unset LD_LIBRARY_PATH FI_PROVIDER
        hosts_run 0 timeout -k 5 600 "$HYDRA" "${on_h0_h1[@]}" -n 2 "$out/pingpong" "$max" "$iters") \
        >"$out/pingpong-hosts-mpich-$i.out"
    pingpong_ok "$out/pingpong-hosts-mpich-$i.out" MPICH $?
    echo "== round $i/$rounds, nanvix-mpi: tools/mpiexec ${on_h0_h1[*]} -n 2 pingpong $max $iters" >&2
    (unset FI_PROVIDER
        export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        hosts_run 0 timeout -k 5 600 "$top_builddir/tools/mpiexec" "${on_h0_h1[@]}" -n 2 \
            "$out/pingpong" "$max" "$iters") >"$out/pingpong-hosts-ours-$i.out"
    pingpong_ok "$out/pingpong-hosts-ours-$i.out" nanvix-mpi $?
    mpich_runs+=("$out/pingpong-hosts-mpich-$i.out")
    ours_runs+=("$out/pingpong-hosts-ours-$i.out")
done

# ---- 2. the link: one TCP stream h0 -> h1 ---------------------------------
echo "== linkbw: one TCP stream h0 -> h1, 256 MiB, best of 5" >&2
"$HOSTS_EXEC" h1 --argv timeout 300 "$out/linkbw" server 5201 </dev/null &
linkbw_server=$!
hosts_run 0 timeout 300 "$out/linkbw" client h1 5201 268435456 5 >"$out/linkbw-hosts.out" ||
    die "the TCP stream measure failed"
wait "$linkbw_server"

# ---- 3. migration between the hosts ---------------------------------------
# shellcheck disable=SC2086 # sizes is a list of words
echo "== nanvix-mpi: tools/mpiexec ${on_h0_h1[*]} -n 1 --spares 1 migration -l 0 -m $moves $sizes" >&2
# shellcheck disable=SC2086
(unset FI_PROVIDER
    export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export NMPI_MIGRATE_TIMEOUT=${NMPI_MIGRATE_TIMEOUT:-120}
    hosts_run 0 timeout 1200 "$top_builddir/tools/mpiexec" "${on_h0_h1[@]}" -n 1 --spares 1 \
        "$out/migration" -l 0 -m "$moves" $sizes) >"$out/migration-hosts.out" ||
    die "the migration run failed"
hosts_down

# ---- tables -----------------------------------------------------------------
{
    grep -h '^# library:' "${mpich_runs[0]}" "${ours_runs[0]}"
    echo "ping-pong between hosts h0 and h1, best of $rounds alternating runs per library:"
    awk -v nref="$rounds" -f "$top_srcdir/bench/pingpong-table.awk" "${mpich_runs[@]}" "${ours_runs[@]}"
    echo
    # The link: one TCP stream, and MPICH's best one-way bandwidth at 1 MiB
    # and above (B/s); the limit is the larger.
    awk 'FNR == 1 { file++ }
        file == 1 && $1 == "linkbw" { tcp = $3 }
        file > 1 && !/^#/ && NF == 3 && $1 >= 1048576 && $3 * 1e6 > mpich { mpich = $3 * 1e6 }
        END {
            printf "link h0-h1: one TCP stream %.3f GB/s, MPICH ping-pong (1 MiB and more) %.3f GB/s\n", tcp / 1e9, mpich / 1e9
            printf "link limit: %.3f GB/s (the larger)\n", (tcp > mpich ? tcp : mpich) / 1e9
        }' "$out/linkbw-hosts.out" "${mpich_runs[@]}"
} >"$out/migration-hosts.txt"
link=$(awk '/^link limit:/ { printf "%.0f", $3 * 1e9 }' "$out/migration-hosts.txt")
[ "${link:-0}" -gt 0 ] || die "no link bandwidth measured"
awk -v link="$link" -v dat="$out/migration-hosts.dat" '
    function median(key,    n, i, j, v, a) {
        n = cnt[key]
        for (i = 1; i <= n; i++) a[i] = val[key, i]
        for (i = 2; i <= n; i++) {
            v = a[i]
            for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
            a[j + 1] = v
        }
        return n == 0 ? 0 : n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function add(key, v) { val[key, ++cnt[key]] = v }
    $1 == "move" {
        h = $2
        if (!(h in seen)) { seen[h] = 1; order[++nh] = h }
        add(h "b", $3); add(h "f", $4); add(h "t", $5); add(h "r", $6); add(h "u", $7); add(h "d", $8)
        if (cnt[h "b"] > 2) { add(h "T", $5); add(h "D", $8) }
    }
    END {
        printf "migration of a rank between hosts h0 and h1 (median of all moves, and steady: without the first round trip)\n"
        printf "%10s %12s %2s %8s %8s %7s %7s %8s %8s %8s %9s %9s %7s\n", "heap", "bytes", "n", "freeze",
            "transfer", "restore", "route", "downtime", "s.xfer", "s.down", "xfer GB/s", "link ms",
            "x/link"
        print "# heap_MiB bytes transfer_ms downtime_ms link_ms transfer/link" >dat
        for (i = 1; i <= nh; i++) {
            h = order[i]; b = median(h "b")
            t = cnt[h "T"] ? median(h "T") : median(h "t")
            d = cnt[h "D"] ? median(h "D") : median(h "d")
            lim = b / link
            printf "%10s %12d %2d %8.3f %8.3f %7.3f %7.3f %8.3f %8.3f %8.3f %9.2f %9.3f %7.2f\n",
                h, b, cnt[h "b"], median(h "f") * 1e3, median(h "t") * 1e3, median(h "r") * 1e3,
                median(h "u") * 1e3, median(h "d") * 1e3, t * 1e3, d * 1e3, b / t / 1e9,
                lim * 1e3, t / lim
            printf "%g %d %.4f %.4f %.4f %.3f\n", h / 1048576, b, t * 1e3, d * 1e3, lim * 1e3, t / lim >dat
        }
        print "bar: steady transfer within 2x of bytes / link bandwidth (x/link <= 2)"
    }' "$out/migration-hosts.out" >>"$out/migration-hosts.txt"
awk -v nref="$rounds" -f "$top_srcdir/bench/pingpong-table.awk" "${mpich_runs[@]}" "${ours_runs[@]}" |
    awk 'NR == 1 { print "# size latency_ratio bandwidth_ratio"; next } { print $1, $4, $7 }' \
        >"$out/pingpong-hosts.dat"

# The cost model's path hosts (bench/model-fit.awk over these moves), added
# to the installed model (NMPI_MIGRATION_MODEL, else the default path),
# whose other paths are kept: make bench-migration writes path local
# first. Without an installed model the lines stay in
# bench/migration-hosts-model (a model needs the local figures too).
dest=${NMPI_MIGRATION_MODEL:-${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model}
awk -v path=hosts -v model="$out/migration-hosts-model" -f "$top_srcdir/bench/model-fit.awk" \
    "$out/migration-hosts.out" >>"$out/migration-hosts.txt" || die "no model fitted"
if [ "${MIGRATION_MODEL_INSTALL:-1}" != 0 ] && [ -f "$dest" ]; then
    { grep -Ev '^hosts ' "$dest" && cat "$out/migration-hosts-model"; } >"$dest.tmp.$$" &&
        mv "$dest.tmp.$$" "$dest" && echo "model: path hosts added to $dest" >>"$out/migration-hosts.txt"
else
    echo "model: path hosts in $out/migration-hosts-model; not installed (run make bench-migration first for path local)" >>"$out/migration-hosts.txt"
fi
cat "$out/migration-hosts.txt"

# ---- plot -------------------------------------------------------------------
cat >"$out/migration-hosts.gp" <<EOF
# gnuplot script written by bench/run-migration-hosts.sh
set terminal pngcairo size 1200,500
set output '$out/migration-hosts.png'
set datafile missing '-'
set multiplot layout 1,2
set title 'Migration between two emulated hosts'
set xlabel 'container heap (MiB)'
set ylabel 'time (ms)'
set key top left
plot '$out/migration-hosts.dat' using 1:3 with linespoints title 'transfer (steady median)', \\
     '' using 1:4 with linespoints title 'downtime (steady median)', \\
     '' using 1:5 with lines title 'bytes / link bandwidth', \\
     '' using 1:(2*\$5) with lines dashtype 2 title 'bar: 2 x bytes / link bandwidth'
set title 'Ping-pong between hosts: nanvix-mpi / MPICH'
set xlabel 'message size (bytes)'
set ylabel 'ratio'
set logscale x 2
set key top right
plot '$out/pingpong-hosts.dat' using (\$1 > 0 ? \$1 : 0.5):2 with linespoints title 'latency ratio (bar <= 1.5 at 8 B)', \\
     '' using (\$1 > 0 ? \$1 : 0.5):3 with linespoints title 'bandwidth ratio (bar >= 0.9 at 1 MiB)', \\
     1 with lines dashtype 2 title 'parity'
unset multiplot
EOF
if command -v gnuplot >/dev/null; then
    gnuplot "$out/migration-hosts.gp" && echo "plot: $out/migration-hosts.png"
else
    echo "plot: gnuplot is not installed (Debian gnuplot-nox); run gnuplot $out/migration-hosts.gp"
fi
