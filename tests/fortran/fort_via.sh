#!/bin/bash
# fort_via.sh: a Fortran rank moved live and through a checkpoint file in
# turn, and pre-copy (fort_via.f90, MPIX_MIGRATETO_CHECKPOINT and
# MPIX_MIGRATETO_MODE from include 'mpix.h'): the job-wide sum's bits are
# those of a run without moves, 4 moves go through a checkpoint (one
# through the default directory, a blank name), 2 are pre-copy moves, a
# missing directory is refused with MPI_ERR_IO, an unknown mode with
# MPI_ERR_ARG.
. "$(dirname "$0")/fort_common.sh"
ours || skip "MPIX_MIGRATETO_CHECKPOINT is a nanvix-mpi extension"
need_fortran
build_dir
fort_build fort_via "$top_srcdir/tests/fortran/fort_via.f90"
export NMPI_MIGRATE_TIMEOUT=20
prog=$BUILDD/fort_via
mkdir -p "$TMPD/img"

sum_of() {
    sed -n 's/^ fort_via: sum bits \([0-9A-F]\{16\}\)$/\1/p' "$OUT"
}

expect_ok 3 --spares 1 -- "$prog" "$TMPD/img" none " fort_via: OK"
ref=$(sum_of)
[ -n "$ref" ] || fail "no sum from the run without moves"
NMPI_MIGRATION_REPORT=1 NMPI_MIGRATION_DIR=$TMPD/img \
    expect_ok 3 --spares 1 -- "$prog" "$TMPD/img" move " fort_via: OK"
[ "$(sum_of)" = "$ref" ] || fail "the moves changed the result: $(sum_of) against $ref"
[ "$(grep -c '^nanvix-mpi: rmig: rank 2 moved cluster .*; stream checkpoint' "$OUT")" -eq 4 ] ||
    fail "want 4 moves through a checkpoint"
[ "$(grep -c '^nanvix-mpi: rmig: rank 2 moved cluster .*; precopy [0-9]* rounds' "$OUT")" -eq 2 ] ||
    fail "want 2 pre-copy moves"
[ "$(grep -c '^nanvix-mpi: rmig: rank 2 moved cluster' "$OUT")" -eq 8 ] || fail "want 8 moves"
[ -z "$(ls -A "$TMPD/img")" ] || fail "images left: $(ls -A "$TMPD/img")"
echo "fort_via: OK, sum bits $ref with and without moves"
