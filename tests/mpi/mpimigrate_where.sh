#!/bin/bash
# mpimigrate_where.sh: mpimigrate --where and --evacuate on one host, the cases
# the emulated hosts of tests/hosts/evacuate.sh do not reach.
#
# (a) Usage: --where or --evacuate with RANK CLUSTER, both at once,
#     --serial without --evacuate, --evacuate without a host: exit 1.
# (b) A job whose ranks stay out of MPI (mpimigrate_job idle, preemption
#     off): their clusters read neither their request socket nor their
#     control mailbox. --where passes over cluster 0 and 1 as entries (no
#     TABLE within their wait), asks through cluster 2 (a spare), and lists
#     clusters 0 and 1 "no answer", 2 and 3 idle.
# (c) --evacuate of that host: the ranks' clusters did not answer, so
#     nothing is known to move and the host is not shown empty: exit 6,
#     with both clusters listed.
# (d) No job: --where says so (exit 2).
# The job then ends normally (its result checked).
. "$(dirname "$0")/common.sh"
ours || skip "mpimigrate is a nanvix-mpi extension"

MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run NMPI_PREEMPT_MS=0 NMPI_MIGRATE_TIMEOUT=10
JOB_PID=
trap 'kill $JOB_PID 2>/dev/null; rm -rf "$TMPD"' EXIT
mkdir -p "$NMPI_RUN_DIR"

. "$(dirname "$0")/mm.sh"

# (a)
mm 1 "^mpimigrate: --where/--list and --evacuate take no RANK CLUSTER" --where 1 2
mm 1 "^mpimigrate: --where/--list and --evacuate take no RANK CLUSTER" --evacuate h0 1 2
mm 1 "^mpimigrate: --where/--list and --evacuate take no RANK CLUSTER" --where --evacuate h0
mm 1 "^mpimigrate: --serial goes with --evacuate" --serial 1 2
mm 1 "^mpimigrate: unknown option or missing value: '--evacuate'" --evacuate
# (d)
mm 2 "^mpimigrate: no running nanvix-mpi job found" --where

# (b)
echo "+ $MPIEXEC -n 2 --spares 2 mpimigrate_job stop 90 idle &"
timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 2 --spares 2 "$BINDIR/mpimigrate_job" "$TMPD/stop" 90 idle \
    </dev/null >"$TMPD/job.out" 2>&1 &
JOB_PID=$!
wait_for "$TMPD/job.out" $JOB_PID 1 "mpimigrate_job: rank 0 idle"
wait_for "$TMPD/job.out" $JOB_PID 1 "mpimigrate_job: rank 1 idle"
mm 0 "asked through cluster 2\)$" --where --timeout 30
for want in "0:no answer" "1:no answer" "2:idle" "3:idle"; do
    grep -Eq "^ +${want%%:*}  [^ ]+ +${want#*:}$" "$TMPD/mm.out" ||
        fail "--where: cluster ${want%%:*} is not listed '${want#*:}'"
done
# (c)
host=$(sed -n 's/^ *0  \([^ ]*\) .*/\1/p' "$TMPD/mm.out")
MM_LINES=any mm 6 "^mpimigrate: $host is not empty:$" --evacuate "$host" --timeout 30
grep -q "^cluster 0 ($host): did not answer: a rank it may run is not moved$" "$TMPD/mm.out" ||
    fail "cluster 0's silence is not reported"
grep -q "^  cluster 1: no answer$" "$TMPD/mm.out" || fail "cluster 1 is not listed as left"

touch "$TMPD/stop"
wait $JOB_PID || { cat "$TMPD/job.out"; fail "job exit status $? (want 0)"; }
JOB_PID=
grep -q "^mpimigrate_job: OK [0-9]* iterations" "$TMPD/job.out" || { cat "$TMPD/job.out"; fail "no OK line"; }
echo PASS
