#!/bin/bash
# demo.sh: set up and build (scripts/setup.sh), then run the demonstration:
# example programs on 4 ranks plus 2 spare clusters, under our mpiexec.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

run() {
    echo
    echo "== $*"
    timeout -k 10 300 "$@"
}

run tools/mpiexec -n 4 --spares 2 examples/hello
run tools/mpiexec -n 4 --spares 2 examples/ring 5
run tools/mpiexec -n 4 --spares 2 examples/pi

# The main demonstration: a computation during which rank 1 moves itself to a
# spare cluster (MPI_Migrateto) and rank 2 is moved by rank 0 (MPIX_Migrate);
# it prints the verified result and each move's phase times.
run tools/mpiexec -n 4 --spares 2 examples/migrate_demo
