#!/bin/bash
# collectives.sh: Barrier, Bcast, Reduce, Allreduce against a serial
# reference, every root, MPI_IN_PLACE; power-of-two and other sizes.
. "$(dirname "$0")/common.sh"
expect_ok 1 -- collectives "collectives: OK 1 ranks"
expect_ok 4 -- collectives "collectives: OK 4 ranks"
expect_ok 3 -- collectives "collectives: OK 3 ranks"
