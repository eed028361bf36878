#!/bin/bash
# spares.sh: `mpiexec -n 3 --spares 2` starts 5 processes, of which only 3
# are ranks: MPI_Comm_size is 3, exactly 3 rank lines are printed, exit 0.
# Every process started leaves a file in a fresh directory (through a tiny
# sh wrapper that then execs the program), so the script counts them.
. "$(dirname "$0")/common.sh"
ours || skip "--spares is a nanvix-mpi launcher option"
mkdir "$TMPD/started"
run_mpi 3 --spares 2 -- /bin/sh -c 'touch "$0/started.$$"; exec "$@"' \
    "$TMPD/started" "$BINDIR/spares" 3 || fail "exit status $? (want 0)"
started=$(ls "$TMPD/started" | wc -l)
ranks=$(grep -c '^spares: rank [0-2] of 3$' "$OUT")
echo "processes started: $started (want 5), rank lines: $ranks (want 3)"
[ "$started" -eq 5 ] || fail "$started processes started, want 5"
[ "$ranks" -eq 3 ] || fail "$ranks rank lines, want 3"
for r in 0 1 2; do
    grep -q "^spares: rank $r of 3$" "$OUT" || fail "no line from rank $r"
done
