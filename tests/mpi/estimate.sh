#!/bin/bash
# estimate.sh: the migration cost model from MPI, while another rank moves.
#
# 1. A model file written here with chosen lines (downtime = 0.5 s + 1e-8
#    s/byte, total = 0.75 s + 2e-8 s/byte), named by NMPI_MIGRATION_MODEL:
#    estimate.c checks the estimate is exactly that formula for the bytes
#    a move would send (64 MiB heap + a few MiB), the error words for
#    another rank, bad arguments, and that MPIX_Migrate_if stays below the
#    prediction and moves above it (heap checked) while rank 1 keeps moving
#    and sending. With NMPI_MIGRATION_REPORT=1 each decision prints one
#    line saying what and why; checked here.
# 2. The same file found at the default path (XDG_CONFIG_HOME); the
#    decisions logged at NMPI_LOG=info without NMPI_MIGRATION_REPORT.
# 3. Damaged files (a digit flipped to nan, an unknown path, a duplicate
#    line, a wrong version): a warning with the line number and reason, the
#    built-in figures, no crash.
. "$(dirname "$0")/common.sh"
ours || skip "the cost model is a nanvix-mpi extension"
export NMPI_MIGRATE_TIMEOUT=20
# Stop-and-copy moves: the models below predict pauses of hundreds of ms,
# for which the default mode (auto) would go pre-copy; the estimates and
# the moves they decide are stop-and-copy's.
export NMPI_MIGRATION_MODE=stop

model=$TMPD/model
# write_model FILE [EXTRA LINE]: the chosen model into FILE.tmp
write_model() {
    {
        echo "# a model written by tests/mpi/estimate.sh"
        echo "nanvix-mpi-migration-model 1"
        echo "measured chosen by estimate.sh"
        echo "local downtime 0.5 1e-8 0.99 10"
        echo "local total 0.75 2e-8 0.98 10"
        [ -z "${2:-}" ] || echo "$2"
    } >"$1.tmp"
}
write_model "$model" && mv "$model.tmp" "$model"

NMPI_MIGRATION_MODEL=$model NMPI_MIGRATION_REPORT=1 \
    expect_ok 2 --spares 2 -- estimate file 0.5 1e-8 0.75 2e-8 "estimate: rank 0 OK stayed"
grep -q "^estimate: rank 1 OK moves" "$OUT" || fail "rank 1: no OK line"
grep -q "source file $model (chosen by estimate.sh)" "$OUT" || fail "the source is not the file"
grep -Eq "rmig: rank 0 stays, not moving to a spare: predicted total [0-9.]+ ms >= gain [0-9.]+ ms \(downtime [0-9.]+ ms, [0-9]+ bytes, path local; model: file $model" "$OUT" ||
    fail "no line saying why rank 0 stayed"
grep -Eq "rmig: rank 0 moves to a spare: predicted total [0-9.]+ ms < gain [0-9.]+ ms \(downtime [0-9.]+ ms, [0-9]+ bytes, path local; model: file $model" "$OUT" ||
    fail "no line saying why rank 0 moved"
grep -Eq "rmig: rank 0, deciding for rank 1, leaves it where it is, not moving it to a spare: predicted total [0-9.]+ ms >= gain 0.000 ms" "$OUT" ||
    fail "no line saying why rank 1 was left where it is"
grep -Eq "rmig: rank 0, deciding for rank 1, asks it to move to a spare: predicted total [0-9.]+ ms < gain [0-9.]+ ms \(downtime [0-9.]+ ms, [0-9]+ bytes, path local" "$OUT" ||
    fail "no line saying why rank 1 was asked to move"
grep -Eq "^estimate: rank 1 moved [0-9]+ times, 1 asked by rank 0" "$OUT" ||
    fail "rank 1 did not make exactly the one move rank 0 asked"

mkdir -p "$TMPD/cfg/nanvix-mpi" && cp "$model" "$TMPD/cfg/nanvix-mpi/migration-model"
XDG_CONFIG_HOME=$TMPD/cfg NMPI_LOG=info expect_ok 2 --spares 2 -- estimate file 0.5 1e-8 0.75 2e-8 \
    "estimate: rank 0 OK stayed"
grep -q "source file $TMPD/cfg/nanvix-mpi/migration-model (chosen" "$OUT" ||
    fail "the default path was not read"
grep -q "rmig: rank 0 stays, not moving to a spare: predicted total" "$OUT" ||
    fail "NMPI_LOG=info: no line saying why rank 0 stayed"

# damaged files: what is written, the reason wanted
damaged=(
    "nan|local downtime 0.5 1e-8 0.99 10|line 4: a = 'nan': not a plain number of seconds"
    "unknown|local total 0.75 2e-8 0.98 10|line 5: unknown path or keyword 'moon'"
    "dup|local total 0.75 2e-8 0.98 10|line 6: second total line of path local"
    "version|local total 0.75 2e-8 0.98 10|line 2: version '2' (this library reads 1)"
)
for case in "${damaged[@]}"; do
    IFS='|' read -r kind _ why <<<"$case"
    case $kind in
    nan) write_model "$model" && sed 's/^local downtime 0.5 /local downtime nan /' "$model.tmp" >"$model" ;;
    unknown) write_model "$model" && sed 's/^local total/moon total/' "$model.tmp" >"$model" ;;
    dup) write_model "$model" "local total 0.75 2e-8 0.98 10" && mv "$model.tmp" "$model" ;;
    version) write_model "$model" && sed 's/model 1$/model 2/' "$model.tmp" >"$model" ;;
    esac
    NMPI_MIGRATION_MODEL=$model expect_ok 2 --spares 2 -- estimate builtin "estimate: rank 0 OK stayed"
    grep -qF "rmig: migration model $model refused: $why" "$OUT" || fail "$kind: no warning '$why'"
    grep -qF "estimates use the built-in figures of make bench-migration" "$OUT" ||
        fail "$kind: the warning does not say the built-in figures are used"
    grep -qF "source built-in figures of make bench-migration" "$OUT" ||
        fail "$kind: the estimate's source does not say built-in"
done

NMPI_MIGRATION_MODEL=$TMPD/missing expect_ok 2 --spares 2 -- estimate builtin "estimate: rank 0 OK"
grep -qF "rmig: migration model $TMPD/missing refused: No such file or directory" "$OUT" ||
    fail "a named, missing file gives no warning"
echo "PASS"
