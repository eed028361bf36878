#!/bin/bash
# sweep.sh: what a dead job left in the /dev/shm of a host other than the
# launching one goes with the next job that has a cluster there.
#
# mpiexec sweeps only its own host; a job killed during its bootstrap can
# leave regions on the others (nanvix-port/np_sweep.c). Files are planted in
# h1's /dev/shm: names of ours whose process is gone, written over a minute
# ago (removed), and ones that must stay: a live process's, a dead
# process's written just now (a job that may still boot in another pid
# namespace), another user's name, a name not ours. A ring on h0,h1 runs;
# then exactly the first kind is gone, and the log says how many went.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
ours || skip "runs nanvix-mpi's own launcher"
hosts_check || exit 77
unset FI_PROVIDER
export NMPI_LOG=info
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

hosts_up 2 || fail "hosts_up 2"
shm=$HOSTS_SHM_ROOT/$HOSTS_PID/h1
[ -d "$shm" ] || fail "no /dev/shm of h1 at $shm"
sh -c 'exit 0' &
dead=$!
wait $dead
uid=$(id -u)
old="nmpi-$uid-00000000deadbeef-r3-$dead nmpi-$uid-00000000deadbeef-2-$dead"
keep="nmpi-$uid-00000000deadbeef-r4-$$ nmpi-$((uid + 1))-00000000deadbeef-r3-$dead other-$dead"
for f in $old $keep; do head -c 4096 /dev/zero >"$shm/$f" || fail "cannot plant $f"; done
touch -d '-5 minutes' "$shm"/*
head -c 4096 /dev/zero >"$shm/nmpi-$uid-00000000deadbeef-r5-$dead" # just written: stays
keep="$keep nmpi-$uid-00000000deadbeef-r5-$dead"

hosts_run 0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -hosts h0,h1 -launcher ssh \
    -launcher-exec "$HOSTS_EXEC" -n 2 "$BINDIR/ring" 3 >"$OUT" 2>&1 || { cat "$OUT"; fail "ring"; }
grep -q '^ring: OK 2 ranks' "$OUT" || { cat "$OUT"; fail "no OK line"; }
for f in $old; do [ ! -e "$shm/$f" ] || fail "$f (dead, old) is still in h1's /dev/shm"; done
for f in $keep; do [ -e "$shm/$f" ] || fail "$f was removed from h1's /dev/shm"; done
grep -q "shm: removed 2 file(s) that dead jobs left in /dev/shm" "$OUT" ||
    { grep 'shm:' "$OUT"; fail "the log does not say 2 files were removed"; }
rm -f "$shm"/*
hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"
echo "sweep: OK"
