#!/bin/bash
# test.sh: set up and build (scripts/setup.sh), then run the whole test
# suite (make check): unit tests and MPI programs under the launcher. Prints
# the test-suite summary, and the log of every test that failed; exits
# non-zero if any test failed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

jobs=${NMPI_MAKE_JOBS:-2}
echo "== make -j$jobs check"
status=0
make -j"$jobs" check || status=$?

if [ $status -ne 0 ]; then
    # The log of every test whose result is FAIL, ERROR or XPASS.
    while IFS= read -r trs; do
        log=${trs%.trs}.log
        echo
        echo "=================== $log ==================="
        cat "$log" 2>/dev/null || echo "(no log)"
    done < <(find . -name '*.trs' -exec grep -lE '^:test-result: (FAIL|ERROR|XPASS)' {} + 2>/dev/null)
    echo
    echo "== test-suite summary"
    grep -E '^(# |=)' test-suite.log 2>/dev/null | head -20 || true
    echo "test.sh: make check failed (status $status)" >&2
fi
exit $status
