#!/bin/bash
# dtype_layouts.sh: collectives whose two sides use different layouts of one
# type signature, persistent requests whose type was freed, zero-size types
# with NULL buffers (dtype_layouts.c), and the same while ranks move.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- dtype_layouts all "dtype_layouts: OK"
expect_ok 4 -- dtype_layouts all "dtype_layouts: OK"
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 2 --spares 2 -- dtype_layouts migrate "dtype_layouts migrate: OK"
expect_ok 3 --spares 3 -- dtype_layouts migrate "dtype_layouts migrate: OK"
