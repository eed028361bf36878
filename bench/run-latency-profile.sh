#!/bin/bash
# run-latency-profile.sh: instructions of one small-message round trip, by
# layer, MPICH against nanvix-mpi, counted by callgrind.
#
# Builds bench/latency-profile.c ONCE with MPICH's mpicc (a ping-pong whose
# receives never wait: see there why bench/pingpong's counts would measure
# the load instead) and runs it under valgrind --tool=callgrind on 2 ranks,
# with MPICH's library and with ours, twice each (ITERS_LO and ITERS_HI round
# trips). The difference of the two runs, divided by ITERS_HI - ITERS_LO,
# is the cost of one round trip (two messages, one send and one receive on
# each rank, both ranks summed): start-up, barriers and finalisation cancel.
# Instruction counts do not depend on the machine's load, so the figures are
# comparable between runs on a busy machine.
#
# Layers: our sources by directory (mpi/, comm-virt/, nanvix-port/ without
# the ring, the ring np_shm.c, uarea/, rank-migrate/, base/), MPICH's
# libmpich, UCX (libucp/libuct/libucs: Debian's MPICH is ch4:ucx), libfabric,
# libc (what the libraries call: memcpy, locks, clock_gettime) and the rest.
# The benchmark's own code is left out (it is outside the counted calls anyway).
#
# Environment: top_builddir, top_srcdir (default: this script's tree),
# MPICC_MPICH, HYDRA, PROFILE_SIZES (default "8 4096"), PROFILE_ITERS_LO
# (100), PROFILE_ITERS_HI (600).
# Writes bench/latency-profile.txt (and prints it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
sizes=${PROFILE_SIZES:-8 4096}
lo=${PROFILE_ITERS_LO:-100}
hi=${PROFILE_ITERS_HI:-600}
out=$top_builddir/bench
libs=$top_builddir/.libs
txt=$out/latency-profile.txt
work=$(mktemp -d "${TMPDIR:-/tmp}/latency-profile.XXXXXX") || exit 1
[ -n "${PROFILE_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null ||
    { echo "run-latency-profile: valgrind (callgrind) is needed" >&2; exit 1; }
[ -e "$libs/libmpich.so.12" ] ||
    { echo "run-latency-profile: $libs/libmpich.so.12 missing (build first)" >&2; exit 1; }
"$MPICC_MPICH" -O2 -o "$out/latency-profile" "$top_srcdir/bench/latency-profile.c" || exit 1

# run LIB SIZE ITERS: callgrind files in $work/LIB-SIZE-ITERS/.
run() {
    local dir=$work/$1-$2-$3 vg
    mkdir -p "$dir"
    # Counted only inside MPI_Send and MPI_Recv (PMPI_: both libraries define
    # MPI_ as an alias of it; the benchmark calls no other
    # MPI function in its loop): waits in start-up, barriers and finalisation
    # would otherwise add counts that vary from run to run.
    vg="valgrind --tool=callgrind --callgrind-out-file=$dir/cg.%p --collect-atstart=no"
    vg="$vg --toggle-collect=PMPI_Send --toggle-collect=PMPI_Recv"
    if [ "$1" = mpich ]; then
        # shellcheck disable=SC2086
        env -u LD_LIBRARY_PATH timeout 900 "$HYDRA" -n 2 $vg "$out/latency-profile" "$2" "$3" \
            "$dir/turn" >"$dir/out" 2>"$dir/err"
    else
        # setarch -R: address randomisation already off, so the library does
        # not re-execute the program (valgrind cannot follow that exec).
        # shellcheck disable=SC2086
        LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout 900 \
            "$top_builddir/tools/mpiexec" -n 2 setarch -R $vg "$out/latency-profile" "$2" "$3" \
            "$dir/turn" >"$dir/out" 2>"$dir/err"
    fi || { echo "run-latency-profile: the $1 run ($2 B, $3 round trips) failed:" >&2
            tail -5 "$dir/err" >&2; return 1; }
}

# layers DIR: "layer Ir" lines, self cost summed over every process of the run.
layers() {
    # From /: callgrind_annotate shortens the paths under its working directory.
    for f in "$1"/cg.*; do
        (cd / && callgrind_annotate --auto=no --threshold=100 --inclusive=no "$f" 2>/dev/null)
    done | awk -v src="$top_srcdir/" -v bin="$out/latency-profile" '
        /^ *[0-9,]+ +\([ 0-9.]+%\) +[^ ]/ && !/PROGRAM TOTALS/ {
            ir = $1; gsub(/,/, "", ir)
            line = $0; sub(/^ *[0-9,]+ +\([ 0-9.]+%\) +/, "", line)
            obj = ""; if (match(line, /\[[^]]*\]$/)) obj = substr(line, RSTART + 1, RLENGTH - 2)
            fn = line; sub(/ \[[^]]*\]$/, "", fn)
            if (obj == bin || fn ~ /:(wait_turn|main)$/) layer = "(benchmark)"
            else if (index(fn, src "mpi/") == 1) layer = "mpi/"
            else if (index(fn, src "comm-virt/") == 1) layer = "comm-virt/"
            else if (index(fn, src "nanvix-port/np_shm.c") == 1) layer = "ring np_shm.c"
            else if (index(fn, src "nanvix-port/") == 1) layer = "nanvix-port/ (not the ring)"
            else if (index(fn, src "uarea/") == 1) layer = "uarea/"
            else if (index(fn, src "rank-migrate/") == 1) layer = "rank-migrate/"
            else if (index(fn, src "base/") == 1) layer = "base/"
            else if (index(fn, src) == 1) layer = "nanvix-mpi, other"
            else if (obj ~ /libmpich/) layer = "MPICH libmpich"
            else if (obj ~ /libuc[pts]/) layer = "UCX"
            else if (obj ~ /libfabric/) layer = "libfabric"
            else if (obj ~ /libc\.so/) layer = "libc"
            else layer = "other (ld.so, ...)"
            sum[layer] += ir
        }
        END { for (l in sum) print l "\t" sum[l] }'
}

{
    echo "# Instructions (callgrind Ir) of one round trip (2 messages), both ranks summed:"
    echo "# (run with ITERS_HI=$hi) - (run with ITERS_LO=$lo), / $((hi - lo)); the ranks take"
    echo "# turns outside MPI so that no receive waits (bench/latency-profile.c)."
    echo "# $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg) (does not change the counts)"
} >"$txt"
status=0
for n in $sizes; do
    for lib in mpich ours; do
        run $lib "$n" "$lo" && run $lib "$n" "$hi" || { status=1; continue; }
        layers "$work/$lib-$n-$lo" >"$work/$lib-$n.lo"
        layers "$work/$lib-$n-$hi" >"$work/$lib-$n.hi"
    done
    [ -s "$work/mpich-$n.hi" ] && [ -s "$work/ours-$n.hi" ] || continue
    awk -F'\t' -v d=$((hi - lo)) -v n="$n" '
        FNR == 1 { file++ }
        { lib = file <= 2 ? "mpich" : "ours"; sign = file % 2 ? -1 : 1
          v[lib, $1] += sign * $2; names[$1] = 1 }
        END {
            printf "\n## %s B\n%-30s %12s %12s\n", n, "layer", "MPICH", "nanvix-mpi"
            nord = split("mpi/|comm-virt/|nanvix-port/ (not the ring)|ring np_shm.c|uarea/|rank-migrate/|base/|nanvix-mpi, other|MPICH libmpich|UCX|libfabric|libc|other (ld.so, ...)", ord, "|")
            for (k = 1; k <= nord; k++) if ((l = ord[k]) in names) {
                m = v["mpich", l] / d; o = v["ours", l] / d
                if (m < 0.5 && m > -0.5 && o < 0.5 && o > -0.5) continue
                printf "%-30s %12.0f %12.0f\n", l, m, o; tm += m; to += o
            }
            printf "%-30s %12.0f %12.0f   ratio %.2f\n", "TOTAL per round trip", tm, to, to / tm
            printf "%-30s %12.0f %12.0f\n", "per message (total / 2)", tm / 2, to / 2
            printf "%-30s %12.0f %12.0f\n", "(benchmark: left out)",
                v["mpich", "(benchmark)"] / d, v["ours", "(benchmark)"] / d
        }' "$work/mpich-$n.lo" "$work/mpich-$n.hi" "$work/ours-$n.lo" "$work/ours-$n.hi" >>"$txt"
done
cat "$txt"
exit $status
