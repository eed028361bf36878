#!/bin/bash
# intercomm.sh: intercommunicator calls, collectives and error classes, bit
# for bit, on 2+3, 1+3 and 3+1 splits of MPI_COMM_WORLD (intercomm.c).
. "$(dirname "$0")/common.sh"
expect_ok 5 -- intercomm calls 2 "intercomm calls: OK 2+3"
expect_ok 4 -- intercomm calls 1 "intercomm calls: OK 1+3"
expect_ok 4 -- intercomm calls 3 "intercomm calls: OK 3+1"
