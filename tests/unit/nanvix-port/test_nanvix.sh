#!/bin/sh
# test_nanvix.sh: runs test_nanvix under Hydra in several configurations.
# Every cluster asserts on its own; a run fails if any cluster fails or the run
# exceeds its time limit. The binaries are found through $top_builddir (set by
# make check), the current directory, or NP_TEST_DIR.
dir=${NP_TEST_DIR:-${top_builddir:-.}/tests/unit/nanvix-port}
[ -x "$dir/test_nanvix" ] || dir=$(dirname "$0")
hydra=${HYDRA:-mpiexec.hydra}
CK_FORK=no
export CK_FORK
fail=0

run() {
    label=$1
    shift
    echo "== $label"
    if ! timeout -k 5 180 "$@"; then
        echo "FAILED: $label" >&2
        fail=1
    fi
}

run "no launcher" env -u PMI_FD "$dir/test_nanvix_nolauncher"
run "4 clusters, shm, portals copied by the writer (np_push)" "$hydra" -n 4 "$dir/test_nanvix"
run "4 clusters, shm, portals through the fabric" env NMPI_CMA=0 "$hydra" -n 4 "$dir/test_nanvix"
run "1 cluster, shm (loopback only)" "$hydra" -n 1 "$dir/test_nanvix"
run "3 clusters, shm, 4 KiB portal chunks" \
    env NMPI_CMA=0 NP_PORTAL_CHUNK=4096 "$hydra" -n 3 "$dir/test_nanvix"
pin=; taskset -c 0,1 true 2>/dev/null && pin="taskset -c 0,1"
run "8 clusters on 2 cores, shm" \
    env NP_LAT_ITERS=2000 $pin "$hydra" -n 8 "$dir/test_nanvix"
run "4 clusters, shm provider, mailbox rings off" \
    env NMPI_SHM=0 "$hydra" -n 4 "$dir/test_nanvix"
run "4 clusters, tcp;ofi_rxm, mailbox rings off" \
    env FI_PROVIDER="tcp;ofi_rxm" NMPI_SHM=0 NP_LAT_ITERS=5000 "$hydra" -n 4 "$dir/test_nanvix"
run "4 clusters, tcp;ofi_rxm for portals and syncs, mailbox rings" \
    env FI_PROVIDER="tcp;ofi_rxm" NMPI_CMA=0 NP_LAT_ITERS=5000 "$hydra" -n 4 "$dir/test_nanvix"
exit $fail
