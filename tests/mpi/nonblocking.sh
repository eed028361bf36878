#!/bin/bash
# nonblocking.sh: Isend/Irecv, Wait*/Test*, Probe/Iprobe, Sendrecv, Ssend,
# Issend, Request_free, MPI_PROC_NULL.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- nonblocking "nonblocking: OK"
expect_ok 4 -- nonblocking "nonblocking: OK"
