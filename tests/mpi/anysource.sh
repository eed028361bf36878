#!/bin/bash
# anysource.sh: MPI_ANY_SOURCE receives keep each sender's order.
. "$(dirname "$0")/common.sh"
expect_ok 4 -- anysource 200 "anysource: OK 3 senders x 200 messages"
expect_ok 2 -- anysource 500 "anysource: OK 1 senders x 500 messages"
