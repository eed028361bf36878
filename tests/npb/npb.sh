#!/bin/bash
# npb.sh: the NPB kernels of examples/npb at class S on nanvix-mpi.
#
# Every kernel must report "Verification = SUCCESSFUL" on 2 and on 4 ranks,
# and again when rank 1 and then rank 0 move to spare clusters
# during the timed loop (--migrate 1@2,0@3 with --spares 2): the report must
# then list both moves with their cluster change. All cases run; the failed
# ones are listed at the end. IS and FT need MPI_Alltoall(v) (issue 4
# collectives): without them they stop with "... is missing from this MPI
# library" and fail here on purpose.
. "$(dirname "$0")/../mpi/common.sh"
ours || skip "the kernels here are built against nanvix-mpi"
bin=$top_builddir/examples/npb
failed=()

# verify NAME NP [launcher options] -- KERNEL ARGS: runs one case; true when
# it exits 0 and its report says the verification succeeded.
verify() {
    local name=$1
    shift
    if run_mpi "$@" && grep -q '^ Verification = SUCCESSFUL' "$OUT"; then
        echo "ok: $name"
        return 0
    fi
    echo "FAILED: $name"
    failed+=("$name")
    return 1
}

for k in ep is cg mg ft; do
    verify "$k S, 2 ranks" 2 -- "$bin/$k" S
done
for k in ep is cg mg ft; do
    verify "$k S, 4 ranks" 4 -- "$bin/$k" S
done
for k in ep is cg mg ft; do
    verify "$k S, 2 ranks, 2 moves" 2 --spares 2 -- "$bin/$k" S --migrate 1@2,0@3 || continue
    moves=$(grep -cE '^ Migration [12]: rank [01] at iteration [23]: cluster [0-9]+ -> [0-9]+ in ' "$OUT")
    if [ "$moves" != 2 ] || ! grep -q '^ Migration time = ' "$OUT"; then
        echo "FAILED: $k: $moves of 2 moves reported"
        failed+=("$k S moves reported")
    fi
done
[ ${#failed[@]} -eq 0 ] || fail "${#failed[@]} case(s) failed: $(printf '%s; ' "${failed[@]}")"
echo "npb: all cases passed"
