#!/bin/bash
# mprobe.sh: matched probe and receive, bit for bit and in order, with the
# error classes of bad arguments; then both ends of a matched message moving
# between the probe and the receive (mprobe.c).
. "$(dirname "$0")/common.sh"
expect_ok 2 -- mprobe basic 3 "mprobe basic: OK 2 ranks 3 rounds"
expect_ok 5 -- mprobe basic 2 "mprobe basic: OK 5 ranks 2 rounds"
ours || exit 0 # migration is a nanvix-mpi extension
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 2 --spares 2 -- mprobe migrate 6 "mprobe migrate: OK 2 ranks 6 rounds"
expect_ok 4 --spares 3 -- mprobe migrate 6 "mprobe migrate: OK 4 ranks 6 rounds"
