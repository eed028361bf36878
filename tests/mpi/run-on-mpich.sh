#!/bin/bash
# run-on-mpich.sh: runs the tests/mpi scripts against plain MPICH, to check
# the tests themselves. Builds the programs with mpicc.mpich into
# $top_builddir/tests/.build/run-on-mpich/ and runs each script with
# mpiexec.hydra as the launcher; scripts that test nanvix-mpi's own launcher
# or wrappers skip. top_builddir defaults to the source tree (in-tree build).
# Usage: [top_builddir=DIR] tests/mpi/run-on-mpich.sh [script.sh...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
: "${top_builddir:=$top_srcdir}"
bindir=$top_builddir/tests/.build/run-on-mpich
rm -rf "$bindir" && mkdir -p "$bindir" || exit 1
cc=${MPICC_MPICH:-mpicc.mpich}
for src in "$here"/*.c; do
    prog=$(basename "$src" .c)
    [ "$prog" = abi_version ] && continue
    # Programs that call nanvix-mpi's MPIX_ extensions outside #ifdef
    # MPIX_ANY_SPARE do not build against MPICH; their scripts then fail
    # for want of the program, which names them. Any other program must build.
    if ! "$cc" -O2 -Wall -Wextra -Wno-unused-parameter -I"$top_srcdir/tests/lib" -o "$bindir/$prog" \
        "$src" "$top_srcdir/tests/lib/testhelp.c" 2>"$bindir/cc.log"; then
        grep -q 'MPIX_' "$bindir/cc.log" || { cat "$bindir/cc.log"; exit 1; }
        echo "not built against MPICH (needs nanvix-mpi's MPIX_ calls): $prog"
    fi
done
export top_srcdir top_builddir NMPI_TEST_BINDIR=$bindir
export NMPI_TEST_MPIEXEC=${HYDRA:-mpiexec.hydra}
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$here"/*.sh)
pass=0 failed=0 skipped=0
for s in "${scripts[@]}"; do
    case "$(basename "$s")" in common.sh | run-on-mpich.sh) continue ;; esac
    bash "$s" >"$bindir/log" 2>&1
    status=$?
    case $status in
    0) echo "PASS: $(basename "$s")"; pass=$((pass + 1)) ;;
    77) echo "SKIP: $(basename "$s")"; skipped=$((skipped + 1)) ;;
    *) echo "FAIL: $(basename "$s")"; cat "$bindir/log"; failed=$((failed + 1)) ;;
    esac
done
echo "MPICH run: $pass passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
