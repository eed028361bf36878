#!/bin/bash
# leftovers.sh: nothing a killed job created outlives it.
#
# A job (mpimigrate_job, 2 ranks + 1 spare) is started and, once it runs,
# every one of its processes (Hydra, its proxy, the clusters) is killed with
# SIGKILL, so none can clean up. What it made: its job directory (removed by
# mpiexec's watcher once the job's pid is gone) and the shared-memory regions
# of libfabric's shm provider, 16 MiB each in /dev/shm, named by nanvix-port
# nmpi-<uid>-<token>-<cluster>-<pid> (np_fabric.c). The next mpiexec of the
# same user removes the regions whose process is gone; regions of a job
# that still runs (a second job, started first) are left alone.
# Then a job is killed during its bootstrap, while cluster 0 waits at the
# first barrier for cluster 1 (which sleeps before it starts): cluster 0's
# mailbox ring, nmpi-<uid>-<token>-r0-<pid> (np_shm.c), which a job unlinks
# only after the second barrier, must be swept too.
. "$(dirname "$0")/common.sh"
ours || skip "the job's cleanup is nanvix-mpi's"
[ -d /dev/shm ] || skip "no /dev/shm"
export NMPI_RUN_DIR=$TMPD/run
uid=$(id -u)
LIVE_PID= DEAD_PID=
trap 'touch "$TMPD/stop-live" "$TMPD/stop-dead"; kill $LIVE_PID $DEAD_PID 2>/dev/null; rm -rf "$TMPD"' EXIT

# regions_of PATTERN: the shm regions of this user whose process runs a
# command line containing PATTERN (a path in $TMPD: this test's jobs only).
regions_of() {
    local f pid
    for f in /dev/shm/nmpi-"$uid"-*-*-*; do
        [ -e "$f" ] || continue
        pid=${f##*-}
        { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$1" && echo "$f"
    done
}

# start NAME: starts a job whose stop file is $TMPD/stop-NAME; waits until it runs.
start() {
    timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 --spares 1 "$BINDIR/mpimigrate_job" \
        "$TMPD/stop-$1" 90 </dev/null >"$TMPD/$1.out" 2>&1 &
    wait_for "$TMPD/$1.out" $! 1 "mpimigrate_job: ready"
}

start live
LIVE_PID=$(pgrep -f "mpiexec.hydra.*$TMPD/stop-live" | head -n1)
start dead
DEAD_PID=$(pgrep -f "mpiexec.hydra.*$TMPD/stop-dead" | head -n1)
[ -n "$DEAD_PID" ] && [ -n "$LIVE_PID" ] || fail "cannot find the jobs' Hydra processes"
live=$(regions_of "$TMPD/stop-live")
dead=$(regions_of "$TMPD/stop-dead")
echo "live job's regions: $(echo $live)"
echo "dead job's regions: $(echo $dead)"
[ "$(echo "$dead" | grep -c .)" -eq 3 ] || fail "want 3 regions of the job to kill"

# Kill every process of the second job at once: nobody cleans up.
pkill -KILL -f -- "$TMPD/stop-dead"
for ((i = 0; i < 50; i++)); do
    pgrep -f -- "$TMPD/stop-dead" >/dev/null || break
    sleep 0.1
done
pgrep -f -- "$TMPD/stop-dead" >/dev/null && fail "the killed job's processes are still there"
# (Under make -j, another test's mpiexec may sweep them first: that is the
# same sweep at work.)
for f in $dead; do [ -e "$f" ] || echo "$f already swept by another mpiexec"; done

# The next mpiexec of this user sweeps the dead job's regions.
run_mpi 1 -- /bin/true || fail "mpiexec -n 1 /bin/true: exit status $?"
for f in $dead; do [ ! -e "$f" ] || fail "$f left behind by the killed job"; done
for f in $live; do [ -e "$f" ] || fail "$f of the running job was removed"; done

# The killed job's directory goes too (the watcher of its mpiexec).
for ((i = 0; i < 50; i++)); do
    [ ! -d "$NMPI_RUN_DIR/$DEAD_PID" ] && break
    sleep 0.1
done
[ ! -d "$NMPI_RUN_DIR/$DEAD_PID" ] || fail "the killed job's directory is left behind"

# A job killed during its bootstrap.
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 /bin/sh -c \
    'if [ "$PMI_RANK" = 1 ]; then sleep 60; fi; exec "$0" "$@"' \
    "$BINDIR/mpimigrate_job" "$TMPD/stop-boot" 90 </dev/null >"$TMPD/boot.out" 2>&1 &
ring=
for ((i = 0; i < 100; i++)); do
    ring=$(regions_of "$TMPD/stop-boot" | grep -- '-r0-' || true)
    [ -n "$ring" ] && break
    sleep 0.1
done
[ -n "$ring" ] || fail "no mailbox ring of the booting job seen (nmpi-$uid-*-r0-<pid>)"
echo "booting job's ring: $ring"
pkill -KILL -f -- "$TMPD/stop-boot"
for ((i = 0; i < 50; i++)); do
    pgrep -f -- "$TMPD/stop-boot" >/dev/null || break
    sleep 0.1
done
run_mpi 1 -- /bin/true || fail "mpiexec -n 1 /bin/true: exit status $?"
[ ! -e "$ring" ] || fail "$ring left behind by the job killed during its bootstrap"

touch "$TMPD/stop-live"
wait_for "$TMPD/live.out" "$LIVE_PID" 1 "mpimigrate_job: OK"
echo "leftovers: OK (3 regions of a killed job swept, a running job's kept, the ring of a job killed while booting swept)"
