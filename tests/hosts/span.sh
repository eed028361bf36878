#!/bin/bash
# span.sh: jobs of our library spread over 2 and 3 emulated hosts.
#
# With default settings (no FI_PROVIDER: the test unsets it), through Hydra's
# ssh launcher path (mpiexec on h0, -hosts, -launcher ssh -launcher-exec
# nmpi-host-exec): each cluster finds which peers share its host
# (nanvix-port/np_host.c; the log says so, checked) and the job uses
# tcp;ofi_rxm between hosts and the same-host paths inside one (rings,
# kernel copies and libfabric's shm, both endpoints open at once). The
# programs check every payload bit for bit (ring, allpairs, anysource,
# migrate). Ranks move inside a host and between hosts (migrate tour, dual
# with NMPI_MIGRATION_REPORT: both kinds of move are counted), with
# both ends of a pair moving at once and messages in flight. After every
# job: no file in any host's /dev/shm, no process left on any host; at the
# end, no namespace. A job killed with SIGTERM (the test's own timeout path)
# leaves nothing either, nor does a test killed with SIGTERM while its job
# runs (emulation.sh checks the SIGKILL sweep). Hydra's host options go
# through our mpiexec: -hosts, -f, -ppn, -launcher, -launcher-exec.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
. "$(dirname "$0")/jobs.sh"
ours || skip "runs nanvix-mpi's own launcher"
hosts_check || exit 77
unset FI_PROVIDER
export NMPI_MIGRATE_TIMEOUT=20 NMPI_LOG=info
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# The log of the last job says: NHOSTS hosts; cluster c is on host NAME[c]
# (numbered in the order of their first cluster); each cluster uses shm for
# its host and tcp;ofi_rxm for the others (shm alone on one host).
check_placement() {
    local nhosts=$1 c=0 name num seen=() log="^nanvix-mpi: port: fabric: cluster"
    shift
    for name in "$@"; do
        for num in "${!seen[@]}"; do [ "${seen[num]}" = "$name" ] && break; done
        [ "${seen[num]:-}" = "$name" ] || { num=${#seen[@]}; seen+=("$name"); }
        grep -q "^nanvix-mpi: port: host: cluster $c is on host $num ($name) of $nhosts," "$OUT" ||
            fail "cluster $c is not said to be on host $num ($name) of $nhosts: $(grep "cluster $c is on" "$OUT")"
        if [ "$nhosts" = 1 ]; then
            grep -q "$log $c uses provider shm for every cluster\$" "$OUT" ||
                fail "cluster $c does not use shm alone: $(grep "$log $c " "$OUT")"
        else
            grep -q "$log $c uses provider shm for this host\$" "$OUT" &&
                grep -q "$log $c uses provider tcp;ofi_rxm for other hosts\$" "$OUT" ||
                fail "cluster $c does not use shm and tcp;ofi_rxm: $(grep "$log $c " "$OUT")"
        fi
        c=$((c + 1))
    done
}

hosts_up 3 || fail "hosts_up 3"

# Two hosts. One rank each: nothing but the inter-host path.
expect_on h0,h1 2 -- ring 20 "ring: OK 2 ranks"
check_placement 2 h0 h1
# Two ranks a host: pairs inside hosts and across, sizes up to 16 MiB.
expect_on h0:2,h1:2 4 -- allpairs "allpairs: OK 4 ranks"
check_placement 2 h0 h0 h1 h1
expect_on h0:2,h1:2 4 -- anysource 200 "anysource: OK 3 senders x 200 messages"

# Three hosts, six ranks.
expect_on h0:2,h1:2,h2:2 6 -- allpairs 1048576 "allpairs: OK 6 ranks"
check_placement 3 h0 h0 h1 h1 h2 h2
expect_on h0,h1,h2 5 -- ring 7 "ring: OK 5 ranks"

# Hydra's host file and -ppn, through our mpiexec: one rank on h1, one on h2.
printf 'h1\nh2\n' >"$TMPD/hostfile"
hosts_run 0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -f "$TMPD/hostfile" -ppn 1 -launcher ssh \
    -launcher-exec "$HOSTS_EXEC" -n 2 "$BINDIR/ring" 5 >"$OUT" 2>&1 || { cat "$OUT"; fail "ring with -f -ppn 1"; }
grep -q '^ring: OK 2 ranks' "$OUT" || { cat "$OUT"; fail "ring with -f -ppn 1: no OK line"; }
check_placement 2 h1 h2
no_leftovers
echo "-f hostfile -ppn 1: OK"

# Rings and kernel copies off: mailboxes and portals of same-host pairs go
# through the shm endpoint, the others through tcp, in the same job.
NMPI_SHM=0 NMPI_CMA=0 expect_on h0:2,h1:2 4 -- allpairs 1048576 "allpairs: OK 4 ranks"
check_placement 2 h0 h0 h1 h1
NMPI_SHM=0 NMPI_CMA=0 expect_on h0:2,h1:2 4 -- anysource 200 "anysource: OK 3 senders x 200 messages"

# All on one host of the three: the same-host provider, as before.
expect_on h1:4 4 -- allpairs 1048576 "allpairs: OK 4 ranks"
check_placement 1 h1 h1 h1 h1

# Moves. Clusters 0, 1 (the ranks) on h0, spares 2, 3 on h1 and 4, 5 on h0:
# rank 0 tours the spares in order and comes back, so it moves between
# hosts and inside each.
export NMPI_MIGRATION_REPORT=1
expect_on h0:2,h1:2 2 --spares 4 -- migrate tour "migrate tour: OK visited 4 spares"
read -r inside between <<<"$(count_moves 0 0 1 1 0 0)"
echo "tour: $inside moves inside a host, $between between hosts"
[ "$inside" -ge 2 ] && [ "$between" -ge 2 ] || fail "tour: want 2 moves or more of each kind"
# Both ends of each pair move at the same moment, with traffic in flight;
# round robin: cluster c is on h(c % 2).
expect_on h0,h1 4 --spares 4 -- migrate dual 4 "migrate dual: OK 4 rounds 4 ranks"
read -r inside between <<<"$(count_moves 0 1 0 1 0 1 0 1)"
echo "dual: $inside moves inside a host, $between between hosts"
[ $((inside + between)) -ge 16 ] && [ "$inside" -ge 1 ] && [ "$between" -ge 1 ] ||
    fail "dual: want 16 moves with both kinds"
NMPI_SHM=0 NMPI_CMA=0 expect_on h0,h1 4 --spares 4 -- migrate dual 2 "migrate dual: OK 2 rounds 4 ranks"
# Three hosts, ranks everywhere, all-pairs traffic with MPI_ANY_SOURCE
# while a rank moves every round.
expect_on h0,h1,h2 6 --spares 3 -- migrate pairs 6 "migrate pairs: OK 6 rounds"
expect_on h0,h1,h2 6 --spares 3 -- migrate burst 3 "migrate burst: OK 3 at once"
unset NMPI_MIGRATION_REPORT

# A job killed by the test's timeout (SIGTERM to mpiexec on h0): the
# clusters on every host end, nothing stays in /dev/shm.
TIMEOUT=4 on_hosts h0,h1,h2 3 -- ring 100000000 >/dev/null
[ $? = 124 ] || fail "the endless ring was not killed by the timeout"
no_leftovers
echo "killed job: nothing left"

hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"

# The test itself killed (SIGTERM, as make's or CI's timeout does) while a
# job runs on its hosts: its trap ends the clusters on every host and
# removes the hosts.
bash -c '. "$1"; hosts_up 2 || exit 1
    hosts_run 0 "$2" -hosts h0,h1 -launcher ssh -launcher-exec "$HOSTS_EXEC" -n 4 "$3" 100000000' \
    victim "$hosts_dir/hosts.sh" "$MPIEXEC" "$BINDIR/ring" >"$OUT" 2>&1 &
victim=$!
for _ in $(seq 300); do
    # Two clusters and their keepers on h1 (Hydra's proxy too) once the job runs.
    [ "$(ip netns pids "nmpi-$victim-h1" 2>/dev/null | wc -l)" -ge 5 ] && break
    sleep 0.1
done
job=$( (ip netns pids "nmpi-$victim-h0"; ip netns pids "nmpi-$victim-h1") 2>/dev/null | tr '\n' ' ')
[ "$(echo $job | wc -w)" -ge 8 ] || { cat "$OUT"; fail "the victim's job did not start: $job"; }
sleep 0.5
kill -TERM $victim
wait $victim
! ip netns list | grep -q "^nmpi-$victim-" || fail "the killed test left namespaces"
[ ! -e "$HOSTS_SHM_ROOT/$victim" ] || fail "the killed test left $HOSTS_SHM_ROOT/$victim"
for p in $job; do
    state=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
    [ -z "$state" ] || [ "$state" = Z ] || fail "the killed test left process $p running"
done
echo "test killed under a job: nothing left"
echo "span: OK"
