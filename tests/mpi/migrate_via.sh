#!/bin/bash
# migrate_via.sh: moves through a checkpoint file beside live ones
# (migrate_via.c), bit for bit.
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20
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

# NMPI_MIGRATION_MODE=checkpoint: MPI_Migrateto and a move asked by another
# rank (MPIX_Migrate) both go through the directory.
NMPI_MIGRATION_MODE=checkpoint NMPI_MIGRATION_DIR=$IMG NMPI_MIGRATION_REPORT=1 \
    expect_ok 3 --spares 1 -- migrate_via env 6 "migrate_via env: OK"
digest_is env
[ "$(grep -c '^nanvix-mpi: rmig: rank [01] moved cluster .*; stream checkpoint' "$OUT")" -eq 6 ] ||
    fail "env: want 6 moves through a checkpoint"
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
