#!/bin/bash
# dtype_external.sh: external32 packing byte for byte (dtype_external.c),
# and packed data that outlives a move of both ranks.
. "$(dirname "$0")/common.sh"
expect_ok 1 -- dtype_external all "dtype_external: OK"
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 2 --spares 2 -- dtype_external migrate "dtype_external migrate: OK"
