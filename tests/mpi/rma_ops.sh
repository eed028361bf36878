#!/bin/bash
# rma_ops.sh: every RMA operation and synchronization mode, bit for bit, on
# 1 to 4 ranks (rma_ops.c); the same program must pass on MPICH.
. "$(dirname "$0")/common.sh"
for n in 1 2 3 4; do
    expect_ok $n -- rma_ops "rma_ops: OK $n ranks"
done
