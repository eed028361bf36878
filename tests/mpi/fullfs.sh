#!/bin/bash
# fullfs.sh: a full filesystem is reported as what it is.
#
# In a mount namespace of its own (root only; skipped otherwise), the test
# mounts a full tmpfs over /dev/shm: the job cannot start, and the message
# says /dev/shm is full instead of blaming the libfabric installation. Then
# a full tmpfs as the run directory: the job runs without its job directory
# and mpiexec says why in one warning, not a raw "printf: write error".
. "$(dirname "$0")/common.sh"
ours || skip "the messages are nanvix-mpi's"
[ "$(id -u)" -eq 0 ] || skip "needs root (a mount namespace with tmpfs mounts)"
command -v unshare >/dev/null || skip "no unshare (util-linux)"
unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"

# in_ns SCRIPT: runs SCRIPT with bash in a private mount namespace.
in_ns() {
    unshare -m --propagation private bash -c "$1" >"$OUT" 2>&1
}

fill='dd if=/dev/zero of="$m/fill" bs=1k count=4096 2>/dev/null; true'
m=$TMPD/shm
mkdir -p "$m"
in_ns "m=$m; mount -t tmpfs -o size=64k tmpfs \"\$m\" && $fill && mount --bind \"\$m\" /dev/shm &&
    timeout -k 5 60 '$MPIEXEC' -n 2 '$top_builddir/examples/hello'"
status=$?
sed 's/^/  | /' "$OUT"
[ $status -ne 0 ] || fail "a job started with /dev/shm full"
grep -q '^nanvix-mpi: port: fabric: /dev/shm is full' "$OUT" ||
    fail "no message naming /dev/shm as full"
! grep -q 'libfabric1 is installed' "$OUT" || fail "the message blames the installation"

m=$TMPD/run
mkdir -p "$m"
in_ns "m=$m; mount -t tmpfs -o size=16k tmpfs \"\$m\" && mkdir -m 700 \"\$m/run\" && $fill &&
    NMPI_RUN_DIR=\"\$m/run\" timeout -k 5 60 '$MPIEXEC' -n 1 '$top_builddir/examples/hello'"
status=$?
sed 's/^/  | /' "$OUT"
[ $status -eq 0 ] || fail "the job did not run with its run directory full (status $status)"
grep -q '^hello from rank 0 of 1' "$OUT" || fail "no output of the job"
grep -Eq '^mpiexec: warning: cannot (make the job directory|write the job file in) .*No space left on device.*mpimigrate will not reach this job$' "$OUT" ||
    fail "no warning naming the full run directory"
! grep -q 'write error' "$OUT" || fail "a raw write error reached the user"
echo "fullfs: OK"
