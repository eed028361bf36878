#!/bin/bash
# dtypes.sh: derived datatypes through point-to-point and collectives, bit for
# bit, and a rank that moves while it holds derived types and requests.
. "$(dirname "$0")/common.sh"
expect_ok 2 -- dtypes all "dtypes: OK"
expect_ok 3 -- dtypes all "dtypes: OK"
ours || exit 0
export NMPI_MIGRATE_TIMEOUT=10
expect_ok 2 --spares 2 -- dtypes migrate "dtypes migrate: OK"
expect_ok 3 --spares 1 -- dtypes migrate "dtypes migrate: OK"
