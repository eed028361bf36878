#!/bin/bash
# run-pingpong-hosts.sh: ping-pong between two emulated hosts, MPICH and
# nanvix-mpi over the same namespaces and the same Hydra launch path.
#
# Makes two hosts with tests/hosts/hosts.sh (needs root), builds
# bench/pingpong.c once with MPICH's mpicc, and runs it with one rank on h0
# and one on h1 (mpiexec on h0, -launcher ssh -launcher-exec
# tests/hosts/nmpi-host-exec): MPICH's library through its own inter-node
# path, then ours with default settings (tcp;ofi_rxm between hosts). Prints
# the table of run-pingpong.sh: size, latency (us) and bandwidth (MB/s) of
# each, ratios ours/MPICH. PINGPONG_MAX limits the largest size (default
# 4 MiB).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
max=${PINGPONG_MAX:-4194304}
out=$top_builddir/bench
mkdir -p "$out"
. "$top_srcdir/tests/hosts/hosts.sh"
hosts_check || exit 1
"$MPICC_MPICH" -O2 -o "$out/pingpong" "$top_srcdir/bench/pingpong.c" || exit 1
hosts_up 2 || { echo "run-pingpong-hosts: cannot make the hosts" >&2; exit 1; }
launch=(-hosts h0,h1 -launcher ssh -launcher-exec "$HOSTS_EXEC" -n 2 "$out/pingpong" "$max")

echo "== MPICH: $HYDRA ${launch[*]} (h0 -> h1)" >&2
(unset LD_LIBRARY_PATH FI_PROVIDER; hosts_run 0 timeout 600 "$HYDRA" "${launch[@]}") \
    >"$out/pingpong-hosts-mpich.out" || { echo "run-pingpong-hosts: the MPICH run failed" >&2; exit 1; }
libs=$top_builddir/.libs
echo "== nanvix-mpi: tools/mpiexec ${launch[*]} (h0 -> h1)" >&2
(unset FI_PROVIDER; export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    hosts_run 0 timeout 600 "$top_builddir/tools/mpiexec" "${launch[@]}") \
    >"$out/pingpong-hosts-ours.out" || { echo "run-pingpong-hosts: the nanvix-mpi run failed" >&2; exit 1; }
hosts_down

grep -h '^# library:' "$out/pingpong-hosts-mpich.out" "$out/pingpong-hosts-ours.out"
awk '
    FNR == 1 { file++ }
    /^#/ || NF != 3 { next }
    file == 1 { order[++n] = $1; mlat[$1] = $2; mbw[$1] = $3 }
    file == 2 { olat[$1] = $2; obw[$1] = $3 }
    function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
    END {
        printf "%10s %12s %12s %7s %12s %12s %7s\n", "size", "MPICH us", "ours us", "ratio",
            "MPICH MB/s", "ours MB/s", "ratio"
        for (i = 1; i <= n; i++) {
            s = order[i]
            printf "%10s %12s %12s %7s %12s %12s %7s\n", s, mlat[s], olat[s],
                ratio(olat[s], mlat[s]), mbw[s], obw[s], ratio(obw[s], mbw[s])
        }
    }' "$out/pingpong-hosts-mpich.out" "$out/pingpong-hosts-ours.out"
