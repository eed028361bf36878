#!/bin/bash
# run-pingpong.sh: MPICH and nanvix-mpi side by side, one binary.
#
# Builds bench/pingpong.c ONCE with MPICH's own mpicc, runs it on 2 ranks
# with MPICH's library (plain mpiexec.hydra) and with ours (our mpiexec,
# LD_LIBRARY_PATH = our build's .libs, which holds libmpich.so.12), and
# prints one table: size, latency of each (us) and ratio ours/MPICH, then
# bandwidth of each (MB/s) and ratio ours/MPICH.
#
# Environment: top_builddir, top_srcdir (default: this script's tree),
# MPICC_MPICH, HYDRA, PINGPONG_MAX (largest size, default 16 MiB).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
max=${PINGPONG_MAX:-16777216}
out=$top_builddir/bench
mkdir -p "$out"

"$MPICC_MPICH" -O2 -o "$out/pingpong" "$top_srcdir/bench/pingpong.c" || exit 1

echo "== MPICH: $HYDRA -n 2 $out/pingpong $max" >&2
env -u LD_LIBRARY_PATH timeout 600 "$HYDRA" -n 2 "$out/pingpong" "$max" >"$out/pingpong-mpich.out" ||
    { echo "run-pingpong: the MPICH run failed" >&2; exit 1; }

libs=$top_builddir/.libs
echo "== nanvix-mpi: LD_LIBRARY_PATH=$libs tools/mpiexec -n 2 $out/pingpong $max" >&2
ours_ok=1
if [ ! -e "$libs/libmpich.so.12" ]; then
    echo "run-pingpong: $libs/libmpich.so.12 missing (build the library first)" >&2
    ours_ok=0
    : >"$out/pingpong-ours.out"
elif ! LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout 600 \
    "$top_builddir/tools/mpiexec" -n 2 "$out/pingpong" "$max" >"$out/pingpong-ours.out"; then
    echo "run-pingpong: the nanvix-mpi run failed" >&2
    ours_ok=0
fi

# Proof of which library each run used.
grep -h '^# library:' "$out/pingpong-mpich.out" "$out/pingpong-ours.out"
awk -v nref=1 -f "$top_srcdir/bench/pingpong-table.awk" "$out/pingpong-mpich.out" "$out/pingpong-ours.out"
[ $ours_ok = 1 ]
