#!/bin/bash
# emulation.sh: the emulated hosts of hosts.sh are what they claim to be.
#
# Three hosts: each has its hostname, its own /dev/shm and System V IPC
# (shared by all its processes, by no other host), the names h0..h2 resolve to their addresses;
# the root namespace gets no interface. Hydra places processes on all three;
# MPICH's own ring (mpicc.mpich, mpiexec.hydra through -launcher ssh
# -launcher-exec nmpi-host-exec) passes on two with one rank a host: the
# reference for the tests of our library
# (span.sh). hosts_down leaves nothing; a test killed with SIGTERM removes
# its hosts itself (trap), one killed with SIGKILL has them removed by the
# next test's sweep, processes running on them included.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
hosts_check || exit 77

root_links=$(ip -o link | wc -l)
hosts_up 3 || fail "hosts_up 3"
[ "$(ip -o link | wc -l)" = "$root_links" ] || fail "hosts_up added links to the root namespace"

for k in 0 1 2; do
    name=$(hosts_run $k hostname) || fail "hosts_run $k hostname"
    [ "$name" = "h$k" ] || fail "host $k is named '$name'"
    addr=$(hosts_run $k getent hosts h$(((k + 1) % 3)) | awk '{print $1}')
    [ "$addr" = "$HOSTS_NET.$(((k + 1) % 3 + 1))" ] ||
        fail "on h$k, h$(((k + 1) % 3)) resolves to '$addr'"
    [ "$(hosts_run $k ip -o link | wc -l)" = 2 ] || fail "h$k has other links than lo and eth0"
done
echo "hostnames and names: OK"

# /dev/shm: one per host, shared by the processes of that host only.
hosts_run 0 sh -c 'echo from-h0 >/dev/shm/nmpi-emulation-probe' || fail "cannot write h0's /dev/shm"
[ "$(hosts_run 0 cat /dev/shm/nmpi-emulation-probe)" = from-h0 ] ||
    fail "a second process of h0 does not see h0's /dev/shm"
for k in 1 2; do
    ! hosts_run $k test -e /dev/shm/nmpi-emulation-probe || fail "h$k sees h0's /dev/shm"
done
[ ! -e /dev/shm/nmpi-emulation-probe ] || fail "the root's /dev/shm sees h0's"
devs=$(for k in 0 1 2; do hosts_run $k stat -c %d /dev/shm; done; stat -c %d /dev/shm)
[ "$(echo "$devs" | sort -u | wc -l)" = 4 ] || fail "the hosts' /dev/shm are not distinct: $devs"
[ "$(hosts_shm_files)" = "h0: nmpi-emulation-probe" ] || fail "hosts_shm_files: $(hosts_shm_files)"
hosts_run 0 rm /dev/shm/nmpi-emulation-probe
echo "private /dev/shm: OK"

# IPC and UTS namespaces: one per host, entered by every process of it.
for kind in ipc uts; do
    ids=$(for k in 0 1 2; do hosts_run $k readlink /proc/self/ns/$kind; done; readlink /proc/self/ns/$kind)
    [ "$(echo "$ids" | sort -u | wc -l)" = 4 ] || fail "the hosts' $kind namespaces are not distinct: $ids"
    [ "$(hosts_run 1 readlink /proc/self/ns/$kind)" = "$(echo "$ids" | sed -n 2p)" ] ||
        fail "two processes of h1 are in different $kind namespaces"
done
shmid=$(hosts_run 0 ipcmk -M 4096 | awk '{print $NF}')
[ -n "$shmid" ] || fail "ipcmk on h0"
hosts_run 0 ipcs -m | grep -qw "$shmid" || fail "a second process of h0 does not see h0's System V segment"
! hosts_run 1 ipcs -m | grep -qw "$shmid" || fail "h1 sees h0's System V segment"
hosts_run 0 ipcrm -m "$shmid"
echo "private IPC and UTS: OK"

# MPICH through Hydra's ssh launcher path, one rank a host.
build_dir
"$MPICC_MPICH" -O2 -I"$top_srcdir/tests/lib" -o "$BUILDD/ring" "$top_srcdir/tests/mpi/ring.c" \
    "$top_srcdir/tests/lib/testhelp.c" || fail "mpicc.mpich ring"
hydra_on_hosts() {
    hosts_run 0 timeout -k 5 60 "$HYDRA" -hosts h0,h1,h2 -launcher ssh -launcher-exec "$HOSTS_EXEC" "$@"
}
where=$(hydra_on_hosts -n 3 hostname | sort | tr '\n' ' ')
[ "$where" = "h0 h1 h2 " ] || fail "Hydra placed 3 processes on '$where', want h0 h1 h2"
# The ring on h0 and h1. Debian's MPICH (ch4:ucx) sometimes does not exit
# after a ring on these hosts: it prints its OK, then rank 0 spins in the
# finalize until killed (about one run in three on three hosts; seen on two
# under load, in CI and in bench-migration-hosts). The ring is what this
# reference shows; a finalize that hangs after the checked OK line is
# MPICH's and is said, not failed (timeout -k kills it).
hydra_on_hosts -n 2 "$BUILDD/ring" 5 >"$OUT" 2>&1
status=$?
cat "$OUT"
grep -q '^ring: OK 2 ranks' "$OUT" || fail "MPICH's ring on 2 hosts (status $status, no OK line)"
[ $status = 0 ] || [ $status = 124 ] || fail "MPICH's ring on 2 hosts (status $status)"
if [ $status = 0 ]; then
    [ -z "$(hosts_shm_files)" ] || fail "MPICH left files in /dev/shm: $(hosts_shm_files)"
else # killed: what it left is MPICH's, and goes with the hosts
    echo "note: MPICH's finalize hung after its OK line and was killed (status 124)"
fi
echo "MPICH on 2 hosts: OK"

hosts_down
left=$(hosts_leftovers)
[ -z "$left" ] || fail "hosts_down left: $left"
echo "hosts_down: OK"

# Killed tests: a test that made hosts and runs something on them.
victim() {
    bash -c '. "$1"; hosts_up 2 || exit 1; hosts_run 1 sleep 300 & hosts_run 0 sleep 300; wait' \
        victim "$hosts_dir/hosts.sh" &
    victim_pid=$!
    for _ in $(seq 100); do
        [ "$(ip netns pids "nmpi-$victim_pid-h1" 2>/dev/null | wc -l)" -ge 1 ] &&
            [ "$(ip netns pids "nmpi-$victim_pid-h0" 2>/dev/null | wc -l)" -ge 1 ] && return 0
        sleep 0.1
    done
    fail "the victim test did not start its hosts"
}
# Everything of test pid $1 is gone (namespaces, tmpfs, hosts files, processes).
gone() {
    ! ip netns list | grep -q "^nmpi-$1-" && [ ! -e "$HOSTS_SHM_ROOT/$1" ] &&
        ! ls -d /etc/netns/nmpi-"$1"-* >/dev/null 2>&1 && ! grep -q " $HOSTS_SHM_ROOT/$1/" /proc/mounts
}
victim
kill -TERM $victim_pid
wait $victim_pid
gone $victim_pid || fail "a test killed with SIGTERM left its hosts: $(ip netns list | grep "nmpi-$victim_pid-")"
echo "SIGTERM: OK"
victim
sleepers=$( (ip netns pids "nmpi-$victim_pid-h0"; ip netns pids "nmpi-$victim_pid-h1") | tr '\n' ' ')
kill -KILL $victim_pid
wait $victim_pid 2>/dev/null
ip netns list | grep -q "^nmpi-$victim_pid-h0" || fail "SIGKILL: the trap cannot have run"
hosts_sweep
gone $victim_pid || fail "the sweep left the hosts of a test killed with SIGKILL"
# A killed process whose parent was killed too may stay a zombie (in a
# container, pid 1 need not reap): that is not running.
for p in $sleepers; do
    state=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
    [ -z "$state" ] || [ "$state" = Z ] || fail "the sweep left process $p running ($state)"
done
echo "SIGKILL + sweep: OK"
echo "emulation: OK"
