#!/bin/bash
# abi_migrate.sh: a binary built by MPICH's mpicc (not our wrapper) runs on
# our library through LD_LIBRARY_PATH and its rank 0 moves to a spare; the
# same binary still runs on MPICH's library (where nothing moves).
. "$(dirname "$0")/common.sh"
ours || skip "migration is a nanvix-mpi extension"
build_dir
bin=$BUILDD/abi_migrate
"$MPICC_MPICH" -o "$bin" "$top_srcdir/tests/mpi/abi_migrate.c" -ldl || fail "$MPICC_MPICH failed"
libs=$top_builddir/.libs
LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run_mpi 3 --spares 1 -- "$bin" ||
    fail "on nanvix-mpi: exit status $?"
grep -q '^abi_migrate: moved=1 token=3 OK' "$OUT" || fail "on nanvix-mpi: rank did not move or token wrong"
env -u LD_LIBRARY_PATH timeout -k 10 "$TIMEOUT" "$HYDRA" -n 3 "$bin" </dev/null >"$OUT" 2>&1 ||
    { cat "$OUT"; fail "on MPICH: exit status $?"; }
cat "$OUT"
grep -q '^abi_migrate: moved=0 token=3 OK' "$OUT" || fail "on MPICH: wrong output"
