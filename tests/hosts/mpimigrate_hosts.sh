#!/bin/bash
# mpimigrate_hosts.sh: mpimigrate on the launching host reaches every rank of
# a job spread over two emulated hosts (issue 13, item 3).
#
# mpimigrate_job runs with -hosts h0:2,h1:3 -n 3 --spares 2: ranks 0 and 1
# on h0 (clusters 0, 1), rank 2 on h1 (cluster 2), spares 3 and 4 on h1. The
# job directory exists only on h0 (NMPI_HOSTS_H0_ONLY hides it on h1, as a
# directory of the launching host is absent on another machine), so only
# clusters 0 and 1 have request sockets - checked - and the clusters of h1
# can answer a requester only through them. mpimigrate runs on h0 and:
#  1. moves rank 2 from cluster 2 to 3 (inside h1): the request enters at
#     cluster 0, which never hosted rank 2 and forwards it along its routes;
#     the outcome comes back to cluster 0 through the job and from there to
#     mpimigrate;
#  2. moves rank 1 from cluster 1 (h0) to cluster 4 (h1): a move between
#     hosts asked from outside, the outcome relayed by cluster 1;
#  3. moves rank 1 back to cluster 1 through cluster 1's socket, now an idle
#     cluster that forwards along its tombstone.
# The job checks every message bit for bit and each rank reports the
# clusters it went through; nothing is left on either host.
. "$(dirname "$0")/../mpi/common.sh"
. "$(dirname "$0")/hosts.sh"
ours || skip "mpimigrate is a nanvix-mpi extension"
hosts_check || exit 77
. "$(dirname "$0")/mm.sh"
mm_hosts_up 2


JOB_OUT=$TMPD/job.out
echo "+ (h0) mpiexec -hosts h0:2,h1:3 -n 3 --spares 2 mpimigrate_job &"
hosts_run 0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -hosts h0:2,h1:3 -launcher ssh \
    -launcher-exec "$HOSTS_EXEC" -n 3 --spares 2 "$BINDIR/mpimigrate_job" "$TMPD/stop" 90 \
    >"$JOB_OUT" 2>&1 &
JOB_PID=$!
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: ready"
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 2 on cluster 2"
job=$(ls "$NMPI_RUN_DIR")
[[ "$job" =~ ^[0-9]+$ ]] || fail "want one job directory in $NMPI_RUN_DIR, found '$job'"
socks=$(cd "$NMPI_RUN_DIR/$job" && ls -- *.sock 2>/dev/null | sort | tr '\n' ' ')
[ "$socks" = "c0.sock c1.sock " ] ||
    fail "request sockets on h0: '$socks', want only those of h0's clusters 0 and 1"

mm_has 0 "^rank 2 moved from cluster 2 to cluster 3 \(job $job, downtime [0-9.]+ ms\)$" 2 3
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 2 on cluster 3"
mm_has 0 "^rank 1 moved from cluster 1 to cluster 4 \(job $job, downtime [0-9.]+ ms\)$" 1 4
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 4"
mm_has 3 "refused to move rank 2 to cluster 4: the cluster is busy" 2 4
mm_has 0 "^rank 1 moved from cluster 4 to cluster 1 \(job $job, downtime [0-9.]+ ms\)$" 1 1
wait_for "$JOB_OUT" $JOB_PID 2 "mpimigrate_job: rank 1 on cluster 1"

# Estimates from h0 of ranks wherever they run: rank 0 (cluster 0, h0) to
# cluster 4 (h1) takes the hosts path, rank 2 (cluster 3, h1) to cluster 4
# the local one; "any" is the worst path among the idle clusters (2 and 4,
# both on h1). The model gives each path its own figures.
model=$TMPD/model
printf '%s\n' "nanvix-mpi-migration-model 1" "local downtime 0.001 1e-9 0.9 5" \
    "local total 0.002 1e-9 0.9 5" "hosts downtime 0.01 1e-8 0.9 5" "hosts total 0.02 1e-8 0.9 5" >"$model"
NMPI_MIGRATION_MODEL=$model mm_has 0 "^rank 0: cluster 0 \(h0\) -> cluster 4 \(h1\): [0-9.]+ MiB, path hosts: predicted downtime 1[0-9]\.[0-9]+ ms" --estimate 0 4
NMPI_MIGRATION_MODEL=$model mm_has 0 "^rank 2: cluster 3 \(h1\) -> cluster 4 \(h1\): [0-9.]+ MiB, path local: predicted downtime 1\.[0-9]+ ms" --estimate 2 4
NMPI_MIGRATION_MODEL=$model mm_has 0 "^rank 0: cluster 0 \(h0\) -> any idle cluster: [0-9.]+ MiB, path hosts: " --estimate 0 any

touch "$TMPD/stop"
wait $JOB_PID
st=$?
cat "$JOB_OUT"
[ $st -eq 0 ] || fail "the job ended with status $st"
grep -q "^mpimigrate_job: OK [0-9]* iterations" "$JOB_OUT" || fail "no OK line"
path=$(sed -n 's/^mpimigrate_job: rank 1 on cluster \([0-9]*\)$/\1/p' "$JOB_OUT" | tr '\n' ' ')
[ "$path" = "1 4 1 " ] || fail "rank 1 went through clusters '$path', want '1 4 1 '"
path=$(sed -n 's/^mpimigrate_job: rank 2 on cluster \([0-9]*\)$/\1/p' "$JOB_OUT" | tr '\n' ' ')
[ "$path" = "2 3 " ] || fail "rank 2 went through clusters '$path', want '2 3 '"
for i in $(seq 50); do
    [ -z "$(hosts_shm_files)" ] && [ -z "$(hosts_ns_pids "$HOSTS_PREFIX-h0")$(hosts_ns_pids "$HOSTS_PREFIX-h1")" ] && break
    sleep 0.1
done
[ -z "$(hosts_shm_files)" ] || fail "left in /dev/shm: $(hosts_shm_files | tr '\n' ' ')"
echo "PASS"
