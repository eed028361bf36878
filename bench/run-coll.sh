#!/bin/bash
# run-coll.sh: collectives of MPICH and nanvix-mpi side by side, one binary.
#
# Builds bench/coll.c ONCE with MPICH's own mpicc, runs it on each process
# count of COLL_NP (default "4 8") with MPICH's library (plain mpiexec.hydra)
# and with ours (our mpiexec, LD_LIBRARY_PATH = our build's .libs, which
# holds libmpich.so.12), and writes one table to bench/coll.txt (and
# stdout): collective, ranks, bytes, our time, MPICH's (us) and the ratio
# ours/MPICH. The machine may have fewer cores than ranks: then both
# libraries run oversubscribed and the figures carry the scheduler's noise.
#
# Environment: top_builddir, top_srcdir (default: this script's tree),
# MPICC_MPICH, HYDRA, COLL_NP, COLL_SIZES (bytes, default 8 1024 65536 1048576),
# COLL_OPS (comma-separated collectives of bench/coll.c, default all),
# COLL_TABLE (where the table goes, default bench/coll.txt: another
# benchmark that calls this script keeps the committed record intact).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
nps=${COLL_NP:-4 8}
sizes=${COLL_SIZES:-8 1024 65536 1048576}
ops=${COLL_OPS:+--ops=$COLL_OPS}
out=$top_builddir/bench
libs=$top_builddir/.libs
mkdir -p "$out"
table=${COLL_TABLE:-$out/coll.txt}

"$MPICC_MPICH" -O2 -o "$out/coll" "$top_srcdir/bench/coll.c" || exit 1
if [ ! -e "$libs/libmpich.so.12" ]; then
    echo "run-coll: $libs/libmpich.so.12 missing (build the library first)" >&2
    exit 1
fi

# The machine's state, which the figures depend on when ranks outnumber cores.
state="# cores: $(nproc), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
ok=1
for np in $nps; do
    echo "== MPICH: $HYDRA -n $np $out/coll $ops $sizes" >&2
    # shellcheck disable=SC2086
    env -u LD_LIBRARY_PATH timeout 900 "$HYDRA" -n "$np" "$out/coll" $ops $sizes \
        >"$out/coll-mpich-$np.out" || { echo "run-coll: the MPICH run failed ($np)" >&2; ok=0; }
    echo "== nanvix-mpi: LD_LIBRARY_PATH=$libs tools/mpiexec -n $np $out/coll $ops $sizes" >&2
    # shellcheck disable=SC2086
    LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout 900 \
        "$top_builddir/tools/mpiexec" -n "$np" "$out/coll" $ops $sizes \
        >"$out/coll-ours-$np.out" || { echo "run-coll: the nanvix-mpi run failed ($np)" >&2; ok=0; }
done

{
    # Proof of which library each run used.
    for np in $nps; do
        grep -h '^# library:' "$out/coll-mpich-$np.out" "$out/coll-ours-$np.out" | sed "s/^/[$np] /"
    done | sort -u
    echo "$state, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-22s %5s %8s %11s %11s %7s\n' collective ranks bytes ours_us mpich_us ratio
    for np in $nps; do
        awk -v np="$np" '
            FNR == 1 { f++ }
            /^#/ { next }
            f == 1 { ref[$1 " " $2] = $3; next }
            { key = $1 " " $2; m = ref[key]
              printf "%-22s %5d %8d %11.2f %11s %7s\n", $1, np, $2, $3,
                     m == "" ? "-" : sprintf("%.2f", m),
                     (m == "" || m == 0) ? "-" : sprintf("%.2f", $3 / m) }
        ' "$out/coll-mpich-$np.out" "$out/coll-ours-$np.out"
    done
} | tee "$table"
[ $ok = 1 ]
