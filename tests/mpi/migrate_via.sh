#!/bin/bash
# migrate_via.sh: moves through a checkpoint file beside live ones
# (migrate_via.c), bit for bit.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20
# Live moves are stop-and-copy here (NMPI_MIGRATION_MODE=checkpoint where
# said): their figures are checked against the whole heap, and the
# default mode (auto) would send this rank pre-copy.
export NMPI_MIGRATION_MODE=stop
IMG=$TMPD/images
mkdir -p "$IMG"

# The reference: the same traffic and computation, no move.
expect_ok 3 --spares 1 -- migrate_via none 6 "migrate_via none: OK"
want=$(grep '^migrate_via digest:' "$OUT")

# digest_is MODE: the run's digest line is the reference's.
digest_is() {
    [ "$(grep '^migrate_via digest:' "$OUT")" = "$want" ] ||
        fail "$1: digest differs from the run without moves"
}
# images_left N: N image files of moves left in $IMG (temporary ones none).
images_left() {
    local n
    n=$(find "$IMG" -name 'move-*.img' | wc -l)
    [ "$n" -eq "$1" ] || fail "want $1 image files left in $IMG, found $n"
    [ -z "$(find "$IMG" -name '.*.tmp')" ] || fail "temporary image files left in $IMG"
}

# Rank 0 moves live, through a checkpoint, live...: 3 of each, every report
# of a checkpoint move says so, with its image's figures.
NMPI_MIGRATION_REPORT=1 expect_ok 3 --spares 1 -- migrate_via alternate 6 "$IMG" \
    "migrate_via alternate: OK"
digest_is alternate
[ "$(grep -c '^nanvix-mpi: rmig: rank 0 moved cluster .*; stream checkpoint: image [0-9]* bytes, write [0-9.]* ms, read [0-9.]* ms, total [0-9.]* ms$' "$OUT")" -eq 3 ] ||
    fail "alternate: want 3 reports of moves through a checkpoint"
[ "$(grep '^nanvix-mpi: rmig: rank 0 moved cluster' "$OUT" | grep -vc 'stream checkpoint')" -eq 3 ] ||
    fail "alternate: want 3 reports of live moves"
images_left 0

# Two ranks through checkpoints at the same moment, messages both ways.
NMPI_MIGRATION_KEEP_IMAGE=1 expect_ok 3 --spares 2 -- migrate_via pair 6 "$IMG" \
    "migrate_via pair: OK"
digest_is pair
images_left 12 # kept for study: 2 a round
rm -f "$IMG"/move-*.img

# Ranks 0 and 1 move at the same moment, one live and one through a
# checkpoint, in turn.
NMPI_MIGRATION_REPORT=1 expect_ok 3 --spares 2 -- migrate_via mixed 6 "$IMG" "migrate_via mixed: OK"
digest_is mixed
[ "$(grep -c '^nanvix-mpi: rmig: rank [01] moved cluster .*; stream checkpoint' "$OUT")" -eq 6 ] ||
    fail "mixed: want 6 moves through a checkpoint"
[ "$(grep '^nanvix-mpi: rmig: rank [01] moved cluster' "$OUT" | grep -vc 'stream checkpoint')" -eq 6 ] ||
    fail "mixed: want 6 live moves"
images_left 0

# NMPI_MIGRATION_MODE=checkpoint: MPI_Migrateto and a move asked by another
# rank (MPIX_Migrate) both go through the directory.
NMPI_MIGRATION_MODE=checkpoint NMPI_MIGRATION_DIR=$IMG NMPI_MIGRATION_REPORT=1 \
    expect_ok 3 --spares 1 -- migrate_via env 6 "migrate_via env: OK"
digest_is env
[ "$(grep -c '^nanvix-mpi: rmig: rank [01] moved cluster .*; stream checkpoint' "$OUT")" -eq 6 ] ||
    fail "env: want 6 moves through a checkpoint"
images_left 0

# Estimates follow the mode: path checkpoint with its own lines, or the
# local figures (a lower bound) when the model has none for it.
model=$TMPD/model
printf '%s\n' "nanvix-mpi-migration-model 1" "measured by migrate_via.sh" \
    "local downtime 0.25 0 0.99 10" "local total 0.375 0 0.99 10" >"$model"
NMPI_MIGRATION_MODEL=$model expect_ok 2 --spares 1 -- migrate_via estimate local 0.25 0.375 \
    "migrate_via estimate: OK"
NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_MODE=checkpoint NMPI_MIGRATION_DIR=$IMG \
    expect_ok 2 --spares 1 -- migrate_via estimate checkpoint 0.25 0.375 "migrate_via estimate: OK"
printf '%s\n' "checkpoint downtime 0.5 0 0.99 10" "checkpoint total 0.625 0 0.99 10" >>"$model"
NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_MODE=checkpoint NMPI_MIGRATION_DIR=$IMG \
    expect_ok 2 --spares 1 -- migrate_via estimate checkpoint 0.5 0.625 "migrate_via estimate: OK"
images_left 0

# Bad directories: refused with MPI_ERR_IO before anything moves; the rank
# stays and the job goes on (a move then works). /sys refuses new files
# even to root.
unwritable=/sys
if [ "$(id -u)" -ne 0 ]; then
    unwritable=$TMPD/ro && mkdir -p "$unwritable" && chmod 500 "$unwritable"
fi
expect_ok 2 --spares 1 -- migrate_via refuse 1 "$unwritable" "migrate_via refuse: OK"
grep -q "refused (missing directory): I/O error (the checkpoint directory of the move does not exist" "$OUT" ||
    fail "refuse: the missing directory is not said"
grep -q "refused (unwritable directory): I/O error (the checkpoint directory of the move is not writable" "$OUT" ||
    fail "refuse: the unwritable directory is not said"
NMPI_MIGRATION_MODE=checkpoint NMPI_MIGRATION_DIR=/nonexistent/nmpi-via \
    expect_ok 2 --spares 1 -- migrate_via refuse_env 1 "migrate_via refuse_env: OK"

# A damaged image (a byte flipped in the file after it was written) is
# refused by the destination: the rank stays at the source intact; with
# "first" the next moves work, with "1" none does and the job still ends
# right. No image is left behind either way.
NMPI_TEST_CORRUPT_IMAGE=first expect_ok 3 --spares 1 -- migrate_via damaged 4 "$IMG" \
    "migrate_via damaged: OK"
grep -q "checkpoint image .* rejected (damaged or not this job's)" "$OUT" ||
    fail "damaged: the destination did not say why it refused"
grep -q "refused (damaged image): Other MPI error (the destination refused the checkpoint image" "$OUT" ||
    fail "damaged: the error does not say why"
NMPI_TEST_CORRUPT_IMAGE=1 expect_ok 3 --spares 1 -- migrate_via damaged 3 "$IMG" \
    "migrate_via damaged: OK"
[ "$(grep -c "checkpoint image .* rejected" "$OUT")" -eq 3 ] || fail "damaged: want 3 refusals"
images_left 0

# mpimigrate --via-checkpoint on a running job (mpimigrate_job, as
# mpimigrate.sh): rank 1 moves 1 -> 3 through a checkpoint, 3 -> 4 live,
# 4 -> 1 through a checkpoint again (every request sent to cluster 1,
# which forwards it, directory and all, along the rank's tombstones); a
# missing and an unwritable directory are refused, the rank staying; the
# job's checksums stay right and every checkpoint move says so in its report.
MM=$top_builddir/tools/mpimigrate
export NMPI_RUN_DIR=$TMPD/run
JOB_OUT=$TMPD/job.out
. "$(dirname "$0")/mm.sh"
echo "+ $MPIEXEC -n 3 --spares 2 mpimigrate_job $TMPD/stop 90 &"
NMPI_MIGRATION_REPORT=1 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -n 3 --spares 2 \
    "$BINDIR/mpimigrate_job" "$TMPD/stop" 90 </dev/null >"$JOB_OUT" 2>&1 &
JOB_PID=$!
trap 'touch "$TMPD/stop"; kill $JOB_PID 2>/dev/null; rm -rf "$TMPD"' EXIT
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: ready"
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 1"
mm 3 "refused to move rank 1 to cluster 3: the checkpoint directory does not exist.*stays on cluster 1\)$" \
    --via-checkpoint /nonexistent/nmpi-via 1 3
mm 3 "refused to move rank 1 to cluster 3: the checkpoint directory is not writable.*stays on cluster 1\)$" \
    --via-checkpoint "$unwritable" 1 3
mm 1 "^mpimigrate: --via-checkpoint wants a directory" --via-checkpoint "" 1 3
mm 1 "^mpimigrate: --via-checkpoint goes alone with RANK CLUSTER" --via-checkpoint "$IMG" --where
# Estimates of either kind of move (the model written above: checkpoint
# lines of their own; nothing moves).
NMPI_MIGRATION_MODEL=$model mm 0 "^rank 1: cluster 1 .* path checkpoint: predicted downtime 500\.000 ms, total 625\.000 ms$" \
    --estimate --via-checkpoint "$IMG" 1 any
NMPI_MIGRATION_MODEL=$model mm 0 "^rank 1: cluster 1 .* path local: predicted downtime 250\.000 ms, total 375\.000 ms$" \
    --estimate 1 any
mm 0 "^rank 1 moved from cluster 1 to cluster 3 " --via-checkpoint "$IMG" 1 3
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 3"
mm 0 "^rank 1 moved from cluster 3 to cluster 4 " 1 4
wait_for "$JOB_OUT" $JOB_PID 1 "mpimigrate_job: rank 1 on cluster 4"
(cd "$IMG" && mm 0 "^rank 1 moved from cluster 4 to cluster 1 " --via-checkpoint . 1 1) || exit 1
wait_for "$JOB_OUT" $JOB_PID 2 "mpimigrate_job: rank 1 on cluster 1"
touch "$TMPD/stop"
wait $JOB_PID || { cat "$JOB_OUT"; fail "mpimigrate_job: exit status $? (want 0)"; }
cat "$JOB_OUT"
grep -q "^mpimigrate_job: OK [0-9]* iterations" "$JOB_OUT" || fail "mpimigrate_job: no OK line"
grep -q "^mpimigrate_job: rank 1 made 3 moves" "$JOB_OUT" || fail "mpimigrate_job: want 3 moves of rank 1"
[ "$(grep -c '^nanvix-mpi: rmig: rank 1 moved cluster .*; stream checkpoint' "$JOB_OUT")" -eq 2 ] ||
    fail "mpimigrate_job: want 2 moves through a checkpoint"
images_left 0
