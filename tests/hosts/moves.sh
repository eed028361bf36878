#!/bin/bash
# moves.sh: moves between emulated hosts that must work, and those that must
# fail safely (issue 13, items 2 and 6, and its must-show tests).
#
# 1. Three hosts, 6 ranks, 3 spares, clusters round robin (cluster c on
#    h(c % 3)): all-pairs traffic of mixed sizes with MPI_ANY_SOURCE while
#    two ranks that talk to each other move at the same moment every round,
#    with messages in flight both ways (migrate pairs 6 2): every payload and
#    the per-sender order are checked; the report lines must show moves
#    inside a host and between hosts.
# 2. A rank moved h0 -> h1 -> h2 -> h0 (back to the cluster it started on)
#    -> h0 (another cluster), its globals, heap and stack checked after each
#    move and a token passed round the job after each; the hosts it went
#    through are read back from the report lines.
# 3. The layout fingerprint between hosts: h1 sees another build of the
#    program at the same path (nmpi-host-exec's NMPI_HOSTS_OVERLAY bind-mounts
#    tests/hosts/migrate_variant on tests/mpi/migrate there). Moves from h0
#    to h1 are refused with MPI_ERR_UNSUPPORTED_OPERATION and a text naming
#    the fingerprint, the rank stays intact, a move inside h1 (same build)
#    works, and the job ends with its result checked.
# 4. Links cut during a 64 MiB move between hosts (item 6), the link of
#    the host slowed first (tc tbf, 50 Mbit/s: the move would take about 11
#    s) and cut 2 s into the move (ip link set eth0 down in the host's
#    namespace), NMPI_MIGRATE_TIMEOUT=5:
#    a. the destination's host (h1) cut, back 6 s later (the move has
#       failed by then): the move fails within the timeout of the cut, rank
#       0 runs on at the source with its memory intact, and the job carries
#       on for 12 s more (past
#       the 10 s the two ends watch the other host: no false alarm), then
#       the same move works (the destination first had the reads it gave up
#       on completed by the provider, rmig_control.c) and the job ends with
#       every token checked;
#    a'. the same with NMPI_MIGRATION_MODE=precopy;
#    b. the source's host (h1, where rank 0 runs) cut and back 7 s later:
#       the same, seen from the other side;
#    c. the source's host cut for good: the job fails with a message naming
#       h1 within 3 timeouts of the cut plus 5 s, and nothing is left on any
#       host (the cut-off host's clusters end themselves, rmig_reach.c);
#    d. the destination's host cut for good: the rank stays, but a job with
#       a host out of reach cannot end (Hydra waits for that host's proxy),
#       so it fails the same way, naming h1.
# After every job: nothing in any host's /dev/shm, no process on any host.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
. "$(dirname "$0")/jobs.sh"
ours || skip "moves between hosts are a nanvix-mpi extension"
hosts_check || exit 77
unset FI_PROVIDER
export NMPI_MIGRATE_TIMEOUT=20 NMPI_LOG=info NMPI_MIGRATION_REPORT=1
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# host_path HOSTOF...: the hosts rank 0 went through in the last job, from
# the report lines, starting where it started (cluster 0): "h0 h1 ...".
host_path() {
    local hostof=("$@") c path
    path=h${hostof[0]}
    for c in $(moves_of 0); do path="$path h${hostof[c]}"; done
    echo "$path"
}

hosts_up 3 || fail "hosts_up 3"

# 1. Pairs that talk move at the same moment, inside and between hosts.
start=$(date +%s.%N)
expect_on h0,h1,h2 6 --spares 3 -- migrate pairs 6 2 "migrate pairs: OK 6 rounds, 2 moving at once"
read -r inside between <<<"$(count_moves 0 1 2 0 1 2 0 1 2)"
echo "pairs: $inside moves inside a host, $between between hosts ($(echo "$(date +%s.%N) - $start" | bc) s)"
[ $((inside + between)) = 12 ] || fail "pairs: want 12 moves (2 a round), saw $((inside + between))"
[ "$inside" -ge 2 ] && [ "$between" -ge 2 ] || fail "pairs: want 2 moves or more of each kind"

# 2. There and back: clusters 0, 3 on h0, 1, 4 on h1, 2 on h2; rank 1 on
# cluster 1 answers the token from h1.
expect_on h0,h1,h2 2 --spares 3 -- migrate path 4 2 0 3 "migrate path: OK 4 moves"
path=$(host_path 0 1 2 0 1)
[ "$path" = "h0 h1 h2 h0 h0" ] || fail "rank 0 went through hosts '$path', want 'h0 h1 h2 h0 h0'"
[ "$(moves_of 0 | tr '\n' ' ')" = "4 2 0 3 " ] || fail "rank 0 went to clusters '$(moves_of 0 | tr '\n' ' ')'"
[ "$(grep -c '^migrate path: rank 0 on cluster' "$OUT")" = 4 ] || fail "rank 0 did not check in after each move"
echo "there and back: $path"

# 3. Another build at the same path on h1: -hosts h0:2,h1:2, ranks 0 and 1
# on h0, rank 2 and the spare (cluster 3) on h1.
export NMPI_HOSTS_OVERLAY="h1:$BINDIR/migrate=$top_builddir/tests/hosts/migrate_variant"
expect_on h0:2,h1:2 3 --spares 1 -- migrate layout "migrate layout: OK"
unset NMPI_HOSTS_OVERLAY
grep -q "^migrate layout: to 3 refused: Unsupported operation (the destination's layout fingerprint differs" "$OUT" ||
    fail "no refusal of the move to cluster 3 with its reason"
grep -q "^nanvix-mpi: rmig: rank 0: move to cluster 3 failed: the destination's layout fingerprint differs" "$OUT" ||
    fail "no report line of the refusal"
[ "$(moves_of 2 | tr '\n' ' ')" = "3 " ] || fail "rank 2 did not move inside h1: '$(moves_of 2)'"
[ -z "$(moves_of 0)" ] || fail "rank 0 moved: $(moves_of 0)"
echo "layout: moves to the other build refused, the job went on"

hosts_down
[ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"

# cut_job HOSTS RESTORE_AFTER: on fresh hosts h0, h1 with h1's link slowed,
# runs `migrate cut 2 64 12` (rank 0 moves to cluster 2, another host)
# with -hosts HOSTS -n 2 --spares 1, cuts h1's link 2 s into the move, and
# brings it back RESTORE_AFTER s later ("never": not). Sets CUT_AT (s since
# the epoch), JOB_STATUS, JOB_END (s since the cut); output in $OUT.
cut_job() {
    local hosts=$1 restore=$2 pid i dev
    hosts_up 2 || fail "hosts_up 2"
    for dev in "$HOSTS_PREFIX-br v1" "$HOSTS_PREFIX-h1 eth0"; do
        set -- $dev
        ip netns exec "$1" tc qdisc add dev "$2" root tbf rate 50mbit burst 64kb latency 400ms ||
            fail "tc on $dev"
    done
    echo "+ mpiexec -hosts $hosts -n 2 --spares 1 migrate cut 2 64 12 (h1 cut, back after $restore s)"
    "$HOSTS_EXEC" h0 --argv timeout -k 10 "$TIMEOUT" "$MPIEXEC" -hosts "$hosts" -launcher ssh \
        -launcher-exec "$HOSTS_EXEC" -n 2 --spares 1 "$BINDIR/migrate" cut 2 64 12 \
        >"$OUT" 2>&1 </dev/null &
    pid=$!
    for i in $(seq 300); do
        grep -q "^migrate cut: moving" "$OUT" && break
        sleep 0.1
    done
    grep -q "^migrate cut: moving" "$OUT" || { kill $pid; cat "$OUT"; fail "the move did not start"; }
    sleep 2
    ip -n "$HOSTS_PREFIX-h1" link set eth0 down || fail "cannot cut h1's link"
    CUT_AT=$(date +%s.%N)
    if [ "$restore" != never ]; then
        sleep "$restore"
        ip -n "$HOSTS_PREFIX-h1" link set eth0 up || fail "cannot bring h1's link back"
    fi
    wait $pid
    JOB_STATUS=$?
    JOB_END=$(echo "$(date +%s.%N) - $CUT_AT" | bc)
    grep -v '^nanvix-mpi: port: \(host\|fabric\):' "$OUT"
    echo "job status $JOB_STATUS, ${JOB_END%.*} s after the cut"
}

# The move failed, within the timeout of the cut (2 s into it), and rank 0
# stayed on cluster 0; tried again once the link was back, it worked; the
# job ended well; nothing left.
cut_survived() {
    local took
    [ "$JOB_STATUS" = 0 ] || fail "the job ended with status $JOB_STATUS"
    took=$(sed -n 's/^migrate cut: failed after \([0-9.]*\) s, on cluster 0 (class 15: .*NMPI_MIGRATE_TIMEOUT.*/\1/p' "$OUT")
    [ -n "$took" ] || fail "no failed move with rank 0 on cluster 0 and its reason"
    [ "$(echo "$took < 2 + $NMPI_MIGRATE_TIMEOUT + 2" | bc)" = 1 ] ||
        fail "the move failed $took s after it began, more than the timeout after the cut"
    grep -q "^migrate cut: OK [0-9]* laps after the move" "$OUT" || fail "no OK line"
    grep -q "^migrate cut: moved to 2 on the second try" "$OUT" || fail "the second try did not move"
    [ "$(moves_of 0 | tr '\n' ' ')" = "2 " ] || fail "rank 0 moved to '$(moves_of 0)', want 2 once"
    ! grep -q "aborts the job" "$OUT" || fail "the job was aborted"
    no_leftovers
    hosts_down
}

export NMPI_MIGRATE_TIMEOUT=5
# a. The destination's host cut, back once the move failed.
cut_job h0:2,h1:1 6
cut_survived
echo "destination's host cut and back: the rank stayed, the job went on"
# a'. The same with a pre-copy move: the destination's only PING to the
# source's host, sent while the link was down, got no answer and the job
# was aborted 10 s later although the link was back after 6 s (PINGs now go
# again every second, rmig_reach.c).
NMPI_MIGRATION_MODE=precopy cut_job h0:2,h1:1 6
grep -q "^nanvix-mpi: rmig: rank 0 moved cluster 0 -> 2: .* precopy [0-9]* rounds" "$OUT" ||
    fail "pre-copy: no pre-copy report line for the second try"
cut_survived
echo "destination's host cut and back during a pre-copy move: the rank stayed, the job went on"
# b. The source's host cut, back 7 s later (rank 0 on h1, cluster 2 on h0).
cut_job h1:1,h0:2 7
cut_survived
echo "source's host cut and back: the rank stayed, the job went on"
# c, d. The source's, then the destination's host cut for good.
# cut_failed WHAT: the job failed by itself soon enough, naming h1 and
# WHAT; nothing left on any host.
cut_failed() {
    [ "$JOB_STATUS" != 0 ] && [ "$JOB_STATUS" != 124 ] && [ "$JOB_STATUS" != 137 ] ||
        fail "want the job to fail by itself, status $JOB_STATUS"
    grep -q "aborts the job (code 1): host h1 is unreachable: .*$1, the job cannot go on" "$OUT" ||
        fail "no message naming host h1 and '$1'"
    [ "$(echo "$JOB_END < 3 * $NMPI_MIGRATE_TIMEOUT + 5" | bc)" = 1 ] ||
        fail "the job took $JOB_END s to end after the cut"
    # Hydra's kill, the cut-off host's clusters ending themselves, mpiexec's
    # watcher sweeping h0's /dev/shm.
    for _ in $(seq 75); do
        [ -z "$(hosts_ns_pids "$HOSTS_PREFIX-h0")$(hosts_ns_pids "$HOSTS_PREFIX-h1")$(hosts_shm_files)" ] && break
        sleep 0.2
    done
    no_leftovers
    hosts_down
    [ -z "$(hosts_leftovers)" ] || fail "hosts_down left: $(hosts_leftovers)"
}
cut_job h1:1,h0:2 never
cut_failed "the rank is there"
echo "source's host cut for good: the job failed naming it, nothing left"
cut_job h0:2,h1:1 never
cut_failed "without that host"
echo "destination's host cut for good: the job failed naming it, nothing left"
echo "moves: OK"
