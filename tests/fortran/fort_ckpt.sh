#!/bin/bash
# fort_ckpt.sh: a Fortran program checkpointed, killed and restarted
# (fort_ckpt.f90: MPIX_CHECKPOINT, MPIX_MIGRATION_ESTIMATE, MPIX_MIGRATE_IF
# from include 'mpix.h', a rank moving before and after the checkpoint).
# The job-wide sum's bits after a checkpoint, and after a kill and a
# restart with another spare count, are those of a run without checkpoint.
. "$(dirname "$0")/fort_common.sh"
ours || skip "MPIX_CHECKPOINT is a nanvix-mpi extension"
need_fortran
build_dir
fort_build fort_ckpt "$top_srcdir/tests/fortran/fort_ckpt.f90"
export NMPI_MIGRATE_TIMEOUT=20
prog=$BUILDD/fort_ckpt

sum_of() {
    sed -n 's/^ fort_ckpt: sum bits \([0-9A-F]\{16\}\)$/\1/p' "$1"
}

expect_ok 3 --spares 1 -- "$prog" "$TMPD/none" none " fort_ckpt: OK"
ref=$(sum_of "$OUT")
[ -n "$ref" ] || fail "no sum from the run without checkpoint"
expect_ok 3 --spares 1 -- "$prog" "$TMPD/run" run " fort_ckpt: OK"
grep -qx " fort_ckpt: restarted F" "$OUT" || fail "the checkpointing run says it was restarted"
[ "$(sum_of "$OUT")" = "$ref" ] || fail "a checkpoint changed the result"
[ -f "$TMPD/run/MANIFEST" ] || fail "no complete checkpoint in $TMPD/run"

run_mpi 3 --spares 1 -- "$prog" "$TMPD/die" die && fail "the job that aborts after its checkpoint ended well"
[ -f "$TMPD/die/MANIFEST" ] || fail "the job killed after its checkpoint left no complete checkpoint"
! grep -q "fort_ckpt: OK" "$OUT" || fail "the killed job went on"
expect_ok 3 --spares 2 --restart "$TMPD/die" -- "$prog" "$TMPD/die" die " fort_ckpt: OK"
grep -qx " fort_ckpt: restarted T" "$OUT" || fail "the restarted job does not say it was restarted"
[ "$(sum_of "$OUT")" = "$ref" ] || fail "the restarted job's result differs: $(sum_of "$OUT") against $ref"
echo "fort_ckpt: OK, sum bits $ref in every run"
