#!/bin/bash
# run-eager-crossover.sh: where copying through the same-host mailbox rings
# (eager) stops beating the rendezvous (RTS, CTS, GO, READY, DONE and one
# process_vm_writev) on this machine.
#
# One MPICH-built bench/pingpong binary measures the sizes of
# CROSSOVER_SIZES (PINGPONG_SIZES of pingpong.c) three ways in one run,
# alternated CROSSOVER_RUNS times (default 2; each size keeps its best run,
# so a burst of load on a shared machine hits all alike): MPICH, ours with
# every message eager (NMPI_EAGER_LIMIT at its maximum, the compiled-in
# CV_EAGER_LIMIT) and ours with every message by rendezvous
# (NMPI_EAGER_LIMIT=0). Writes bench/eager-crossover.txt: per size the
# three latencies, eager/rendezvous and eager/MPICH, the first size where
# the rendezvous wins (the crossover), and the load (/proc/loadavg) before
# and after.
#
# Environment: top_builddir, top_srcdir (default: this script's tree),
# MPICC_MPICH, HYDRA, CROSSOVER_SIZES, CROSSOVER_RUNS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
sizes=${CROSSOVER_SIZES:-4096,8192,12288,16384,24576,32768,40960,49152,57344,65536}
runs=${CROSSOVER_RUNS:-2}
out=$top_builddir/bench
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
libs=$top_builddir/.libs
[ -e "$libs/libmpich.so.12" ] || { echo "run-eager-crossover: build the library first" >&2; exit 1; }
"$MPICC_MPICH" -O2 -o "$tmp/pingpong" "$top_srcdir/bench/pingpong.c" || exit 1
max=$(echo "$sizes" | tr ',' '\n' | sort -n | tail -1)
# The compiled-in maximum, as nmpi-info reports the setting's default.
eager_max=$(grep -o '"NMPI_EAGER_LIMIT", "[0-9]*"' "$top_srcdir/base/base_settings.c" | grep -o '[0-9]*')
load0=$(cut -d' ' -f1-3 /proc/loadavg)

ours() { # ours LABEL NMPI_EAGER_LIMIT
    LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} NMPI_EAGER_LIMIT=$2 \
        PINGPONG_SIZES=$sizes timeout 600 "$top_builddir/tools/mpiexec" -n 2 "$tmp/pingpong" "$max" \
        >>"$tmp/$1" || { echo "run-eager-crossover: our run ($1) failed" >&2; exit 1; }
}
for r in $(seq "$runs"); do
    echo "== run $r of $runs: MPICH, eager, rendezvous" >&2
    PINGPONG_SIZES=$sizes env -u LD_LIBRARY_PATH timeout 600 "$HYDRA" -n 2 "$tmp/pingpong" "$max" \
        >>"$tmp/mpich" || { echo "run-eager-crossover: the MPICH run failed" >&2; exit 1; }
    ours eager "$eager_max"
    ours rendezvous 0
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "# eager (rings, NMPI_EAGER_LIMIT=$eager_max) against rendezvous (NMPI_EAGER_LIMIT=0), one MPICH-built pingpong"
    echo "# best of $runs alternated runs; load before: $load0, after: $load1; $(date -u +%Y-%m-%dT%H:%MZ)"
    awk -v emax="$eager_max" '
        FNR == 1 { file++ }
        /^#/ || NF != 3 { next }
        { if (!((file, $1) in lat) || $2 < lat[file, $1]) lat[file, $1] = $2
          if (file == 1 && !($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
        END {
            printf "%8s %10s %10s %13s %9s %9s\n", "size", "MPICH us", "eager us", "rendezvous us",
                "eager/rdv", "eager/MPICH"
            for (i = 1; i <= n; i++) {
                s = order[i]; m = lat[1, s]; e = lat[2, s]; v = lat[3, s]
                printf "%8s %10.3f %10.3f %13.3f %9.2f %9.2f%s\n", s, m, e, v, e / v, e / m,
                    (s + 0 > emax + 0 ? "  (above the cells: rendezvous both)" : "")
                if (s + 0 <= emax + 0) last = s
                if (cross == "" && s + 0 <= emax + 0 && v < e) cross = s
            }
            if (cross == "") print "# crossover: above " last " B (eager is faster at every size up to the cells, " emax " B)"
            else print "# crossover: " cross " B (the first size measured where the rendezvous is faster)"
        }' "$tmp/mpich" "$tmp/eager" "$tmp/rendezvous"
} | tee "$out/eager-crossover.txt"
