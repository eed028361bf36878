#!/bin/bash
# reqmisc.sh: Isendrecv(_replace), Request_get_status, generalized requests,
# status setters, Ibsend, added error classes and codes, Alloc_mem, the
# MPI-1 error-handler names, Comm_get_parent, Pcontrol, bad arguments
# (reqmisc.c); then the same requests with their ranks moving.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- reqmisc basic 2 "reqmisc basic: OK 2 ranks 2 rounds"
expect_ok 5 -- reqmisc basic 3 "reqmisc basic: OK 5 ranks 3 rounds"
ours || exit 0 # migration is a nanvix-mpi extension
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 3 --spares 2 -- reqmisc migrate 6 "reqmisc migrate: OK 3 ranks 6 rounds"
expect_ok 4 --spares 2 -- reqmisc migrate 4 "reqmisc migrate: OK 4 ranks 4 rounds"
