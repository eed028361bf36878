#!/bin/bash
# mpimigrate.sh: tools/mpimigrate moves ranks of a running job from outside.
#
# Starts mpimigrate_job (-n 3 --spares 2), moves rank 1 to cluster 3, on to
# 4 and back to 1 (the request always goes to cluster 1, which forwards it
# along the rank's tombstones), then rank 2 to any spare, and checks the job's own account: the rank
# reports each cluster it finds itself on and its move count, and rank 0
# verifies every rank's checksum bit for bit. In between it checks every
# error: no job, a dead job, a job with no cluster listening, a damaged
# job file, a bad job ID, a bad rank, a missing cluster, a
# busy cluster, the rank's own cluster, two jobs without --job, and a rank
# that stays out of MPI (no outcome in time).
# Synchronisation is by the job's output lines, never by fixed sleeps.
. "$(dirname "$0")/common.sh"
ours || skip "mpimigrate is a nanvix-mpi extension"

MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run # private: other jobs of this user are not seen
export NMPI_MIGRATE_TIMEOUT=10
A_OUT=$TMPD/a.out B_OUT=$TMPD/b.out
A_PID= B_PID=
trap 'kill $A_PID $B_PID 2>/dev/null; rm -rf "$TMPD"' EXIT

. "$(dirname "$0")/mm.sh"

# start_job OUT STOP N SPARES [idle]: runs mpimigrate_job in the
# background; sets JOB_PID.
start_job() {
    : >"$1" # emptied here, not by the background redirection: a reused OUT
    #         must not show the last job's lines to the next wait_for
    echo "+ $MPIEXEC -n $3 --spares $4 mpimigrate_job $2 90 ${5:-} &"
    timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n "$3" --spares "$4" "$BINDIR/mpimigrate_job" "$2" 90 \
        ${5:-} </dev/null >"$1" 2>&1 &
    JOB_PID=$!
}

# wait_no_jobs: until the watchers removed every job directory (5 s).
wait_no_jobs() {
    local i
    for ((i = 0; i < 50; i++)); do
        [ -z "$(ls "$NMPI_RUN_DIR")" ] && return 0
        sleep 0.1
    done
    fail "job directories left behind: $(ls "$NMPI_RUN_DIR")"
}

# finish_job PID OUT STOP: stops a job and wants exit 0 and its OK line.
finish_job() {
    touch "$3"
    wait "$1" || { cat "$2"; fail "job exit status $? (want 0)"; }
    grep -q "^mpimigrate_job: OK [0-9]* iterations" "$2" || { cat "$2"; fail "no OK line"; }
}

# (c) No job: nothing in the run directory, then only a dead job's directory.
mm 2 "^mpimigrate: no running nanvix-mpi job found" 1 3
mm 0 "^no running nanvix-mpi job" --list
sleep 0 &
dead=$!
wait $dead
mkdir -p "$NMPI_RUN_DIR/$dead"
printf 'version=1\npid=%s\nnranks=3\nspares=2\nstarted=1\nprogram=x\n' $dead >"$NMPI_RUN_DIR/$dead/job"
mm 2 "^mpimigrate: job $dead has ended \(its processes are gone\)$" --job $dead 1 3
mm 2 "^mpimigrate: no running nanvix-mpi job found" 1 3
rm -rf "${NMPI_RUN_DIR:?}/$dead"
# A live launcher pid (this script's) but no cluster listening, then a damaged job file.
mkdir -p "$NMPI_RUN_DIR/$$"
printf 'version=1\npid=%s\nnranks=3\nspares=2\nstarted=1\nprogram=x\n' $$ >"$NMPI_RUN_DIR/$$/job"
mm 2 "^mpimigrate: job $$: no cluster has a request socket on this host \(the job is starting or ending\)$" 1 3
printf 'version=1\npid=%s\nnranks=3\nspares=two\nstarted=1\nprogram=x\n' $$ >"$NMPI_RUN_DIR/$$/job"
mm 2 "^mpimigrate: job $$ has a damaged job file$" --job $$ 1 3
rm -rf "${NMPI_RUN_DIR:?}/$$"

start_job "$A_OUT" "$TMPD/a.stop" 3 2
A_PID=$JOB_PID
wait_for "$A_OUT" $A_PID 1 "mpimigrate_job: ready"
wait_for "$A_OUT" $A_PID 1 "mpimigrate_job: rank 1 on cluster 1"
job=$(ls "$NMPI_RUN_DIR")
[[ "$job" =~ ^[0-9]+$ ]] || fail "want one job directory in $NMPI_RUN_DIR, found '$job'"
mm 0 "^$job +3 +2 .*mpimigrate_job$" --list

# (b) Bad input, refused moves; the rank stays where it is.
mm 2 "^mpimigrate: job 999999999 does not exist" --job 999999999 1 3
mm 1 "^mpimigrate: bad job ID '12x'" --job 12x 1 3
mm 1 "^mpimigrate: rank '3' is out of range: job $job has ranks 0\.\.2$" 3 3
mm 1 "^mpimigrate: cluster '5' does not exist in job $job \(clusters 0\.\.4\)$" 1 5
mm 3 "^mpimigrate: job $job refused to move rank 1 to cluster 2: the cluster is busy.*stays on cluster 1\)$" 1 2
mm 3 "^mpimigrate: job $job refused to move rank 1 to cluster 1: the rank is already on that cluster" 1 1

# (a) Moves: 1 -> 3 -> 4 -> 1, each request sent to cluster 1.
mm 0 "^rank 1 moved from cluster 1 to cluster 3 \(job $job, downtime [0-9]+\.[0-9]+ ms\)$" --job $job 1 3
wait_for "$A_OUT" $A_PID 1 "mpimigrate_job: rank 1 on cluster 3"
mm 0 "^rank 1 moved from cluster 3 to cluster 4 " 1 4
wait_for "$A_OUT" $A_PID 1 "mpimigrate_job: rank 1 on cluster 4"
mm 3 "^mpimigrate: job $job refused to move rank 0 to cluster 4: the cluster is busy" 0 4
mm 3 "^mpimigrate: job $job refused to move rank 1 to cluster 4: the rank is already on that cluster.*stays on cluster 4\)$" 1 4
mm 0 "^rank 1 moved from cluster 4 to cluster 1 " 1 1
wait_for "$A_OUT" $A_PID 2 "mpimigrate_job: rank 1 on cluster 1"
# Any spare: the spares are tried first, and cluster 3 is idle again.
mm 0 "^rank 2 moved from cluster 2 to cluster 3 " 2 any
wait_for "$A_OUT" $A_PID 1 "mpimigrate_job: rank 2 on cluster 3"
# A request that enters at another cluster: rank 2's start cluster has no
# socket here any more (as when it runs on another host), so mpimigrate
# writes to cluster 0, which never hosted rank 2: the job forwards the
# request along its routes and relays the outcome back to cluster 0.
rm -f "$NMPI_RUN_DIR/$job/c2.sock"
mm 0 "^rank 2 moved from cluster 3 to cluster 4 \(job $job, downtime [0-9]+\.[0-9]+ ms\)$" 2 4
wait_for "$A_OUT" $A_PID 1 "mpimigrate_job: rank 2 on cluster 4"
mm 3 "^mpimigrate: job $job refused to move rank 2 to cluster 4: the rank is already on that cluster.*stays on cluster 4\)$" 2 4

# (d) Estimates, nothing moves: a model written here (downtime = 0.5 s +
# 1e-8 s/byte, total = 0.75 s + 2e-8 s/byte). The bytes are what rank 2's
# cluster counts now (more than its 24 KiB buffer); the figures follow the
# formula for the MiB printed (rounded to 0.1 MiB: within 0.6 ms).
model=$TMPD/model
printf '%s\n' "nanvix-mpi-migration-model 1" "measured by mpimigrate.sh" \
    "local downtime 0.5 1e-8 0.99 10" "local total 0.75 2e-8 0.98 10" >"$model"
est="^rank 2: cluster 4 \(.*\) -> cluster 3 \(.*\): ([0-9.]+) MiB, path local: predicted downtime ([0-9.]+) ms, total ([0-9.]+) ms$"
NMPI_MIGRATION_MODEL=$model mm 0 "$est" --estimate 2 3
grep -qx "model: file $model (by mpimigrate.sh)" "$TMPD/mm.out" || fail "--estimate: the model is not named"
read -r mib down total <<<"$(sed -En "s/$est/\1 \2 \3/p" "$TMPD/mm.out")"
awk -v m="$mib" -v d="$down" -v t="$total" 'BEGIN {
    b = m * 1048576; ed = 500 + 1e-5 * b; et = 750 + 2e-5 * b
    exit !(m >= 0.1 && d - ed < 0.6 && ed - d < 0.6 && t - et < 1.2 && et - t < 1.2) }' ||
    fail "--estimate: $mib MiB, downtime $down ms, total $total ms: not the model's figures"
NMPI_MIGRATION_MODEL=$model mm 0 "^rank 2: cluster 4 \(.*\) -> any idle cluster: .* path local: " --estimate 2 any
mm 1 "^mpimigrate: rank 2 already runs on cluster 4$" --estimate 2 4
mm 1 "^mpimigrate: --estimate goes alone with RANK CLUSTER; try --help$" --estimate --where
NMPI_MIGRATION_MODEL=$TMPD/no-model mm 0 "^model: built-in figures of make bench-migration" --estimate 0 2
grep -q "migration model $TMPD/no-model refused: No such file or directory" "$TMPD/mm.out" ||
    fail "--estimate: a named, missing model gives no warning"
grep -q "^mpimigrate_job: rank 2 on cluster 4$" "$A_OUT" && ! grep -q "^mpimigrate_job: rank 2 on cluster [^4]$" <(sed -n '/rank 2 on cluster 4/,$p' "$A_OUT") ||
    fail "an estimate moved rank 2"

# Two jobs: --job is needed, and both are listed.
start_job "$B_OUT" "$TMPD/b.stop" 1 1
B_PID=$JOB_PID
wait_for "$B_OUT" $B_PID 1 "mpimigrate_job: ready"
MM_LINES=any mm 1 "^mpimigrate: 2 jobs are running; choose one with --job ID:$" 0 1
grep -Eq "^$job " "$TMPD/mm.out" || fail "job $job not in the list"
[ "$(grep -Ec '^[0-9]+ ' "$TMPD/mm.out")" -eq 2 ] || fail "want 2 jobs listed"
finish_job $B_PID "$B_OUT" "$TMPD/b.stop"
B_PID=

finish_job $A_PID "$A_OUT" "$TMPD/a.stop"
A_PID=
cat "$A_OUT"
path=$(sed -n 's/^mpimigrate_job: rank 1 on cluster \([0-9]*\)$/\1/p' "$A_OUT" | tr '\n' ' ')
[ "$path" = "1 3 4 1 " ] || fail "rank 1 went through clusters '$path', want '1 3 4 1 '"
grep -q "^mpimigrate_job: rank 1 made 3 moves$" "$A_OUT" || fail "rank 1 did not make 3 moves"
grep -q "^mpimigrate_job: rank 0 made 0 moves$" "$A_OUT" || fail "rank 0 moved"
grep -q "^mpimigrate_job: rank 2 made 2 moves$" "$A_OUT" || fail "rank 2 did not make 2 moves"

# (c) After the end: the job directory goes, and the job is no more.
wait_no_jobs
mm 2 "^mpimigrate: job $job does not exist" --job $job 1 3

# A rank that stays out of MPI cannot answer: timeout, exit 4; the job still
# ends well (the request is served late or dropped, never harmful).
start_job "$A_OUT" "$TMPD/c.stop" 2 1 idle
A_PID=$JOB_PID
wait_for "$A_OUT" $A_PID 1 "mpimigrate_job: rank 1 idle"
mm 4 "^mpimigrate: job [0-9]+: no outcome within 2 s; the request stays queued, unread" --timeout 2 1 2
finish_job $A_PID "$A_OUT" "$TMPD/c.stop"
A_PID=
wait_no_jobs
mm 2 "^mpimigrate: no running nanvix-mpi job found" 1 3
echo "PASS"
