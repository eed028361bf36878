#!/bin/bash
# topo.sh: every topology call, the neighbourhood collectives (blocking,
# nonblocking, persistent) on each kind of topology, and the error classes
# of bad arguments (topo.c), on 2, 4, 5 and 6 ranks (2: both neighbours of a
# periodic dimension are one rank; 5: a 5 x 1 grid, whose periodic
# dimension of one makes a rank its own neighbour).
. "$(dirname "$0")/common.sh"
for np in 2 4 5 6; do
    expect_ok "$np" -- topo "topo: OK $np ranks"
done
