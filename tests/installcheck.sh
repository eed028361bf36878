#!/bin/bash
# installcheck.sh: the installed copy works on its own (make installcheck).
#
# Run by `make installcheck` (and so by `make distcheck`) after `make
# install`, with bindir, libdir, includedir, mandir, CC, PKG_CONFIG,
# MPICH_INCDIR, top_srcdir and top_builddir from make. It checks that:
#  - the commands, library (and its libmpich links), header, pkg-config file
#    and every manual page of man/ are installed;
#  - the installed mpicc points at the installation, not at the build tree;
#  - examples/migrate_demo.c built by the installed mpicc, and again by $CC
#    with the flags of the installed nanvix-mpi.pc, loads the installed
#    libmpi, runs under the installed mpiexec with spares (no
#    LD_LIBRARY_PATH), migrates (rank 1 moves itself, rank 2 is moved by
#    rank 0: the clusters they report change, NMPI_MIGRATION_REPORT prints
#    the moves) and verifies its result bit for bit against a serial run;
#  - the installed mpifort (mpif90, mpif77) points at the installation, and
#    tests/fortran/fort_ext.f90 (include 'mpix.h') built by it loads the
#    installed libmpi and runs and migrates under the installed mpiexec
#    (skipped, with a line saying so, without mpifort.mpich and gfortran);
#  - the installed mpimigrate answers, and the installed pages render with
#    `man -l` and are found by `man -M <mandir>` without a warning.
# Build products go to a temporary directory, removed on exit.
# Exit status: 0 pass, 1 fail.
set -u
for v in bindir libdir includedir mandir top_srcdir top_builddir; do
    [ -n "${!v:-}" ] || { echo "installcheck: $v is not set (run through make installcheck)" >&2; exit 1; }
done
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
MPICH_INCDIR=${MPICH_INCDIR:-/usr/include/x86_64-linux-gnu/mpich}
TIMEOUT=${NMPI_TEST_TIMEOUT:-120}
demo_src=$top_srcdir/examples/migrate_demo.c

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmpi-installcheck.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run_demo LABEL BINARY: runs BINARY on 3 ranks and 2 spares under the
# installed mpiexec and checks that it migrated and verified its result.
run_demo() {
    local label=$1 bin=$2 out=$tmp/$1.out status c1 c2
    echo "== $label: $bindir/mpiexec -n 3 --spares 2 $bin"
    env -u LD_LIBRARY_PATH NMPI_MIGRATION_REPORT=1 NMPI_RUN_DIR="$tmp/run" \
        timeout -k 10 "$TIMEOUT" "$bindir/mpiexec" -n 3 --spares 2 "$bin" </dev/null >"$out" 2>&1
    status=$?
    cat "$out"
    [ $status -eq 0 ] || { fail "$label: exit status $status (want 0)"; return; }
    grep -q '^checksum [0-9a-f]*, serial reference [0-9a-f]*: VERIFIED$' "$out" ||
        fail "$label: no VERIFIED checksum line"
    c1=$(sed -n 's/^rank 1 now on cluster \([0-9]*\) after 1 move(s).*/\1/p' "$out")
    c2=$(sed -n 's/^rank 2 now on cluster \([0-9]*\) after 1 move(s).*/\1/p' "$out")
    [ -n "$c1" ] && [ "$c1" != 1 ] || fail "$label: rank 1 did not report a move away from cluster 1"
    [ -n "$c2" ] && [ "$c2" != 2 ] || fail "$label: rank 2 did not report a move away from cluster 2"
    grep -q "^nanvix-mpi: rmig: rank 1 moved cluster 1 -> $c1: " "$out" ||
        fail "$label: no NMPI_MIGRATION_REPORT line for rank 1's move"
    grep -q "^nanvix-mpi: rmig: rank 2 moved cluster 2 -> $c2: " "$out" ||
        fail "$label: no NMPI_MIGRATION_REPORT line for rank 2's move"
}

# check_loads LABEL BINARY: BINARY loads the installed libmpi.so.12.
check_loads() {
    local lib
    lib=$(env -u LD_LIBRARY_PATH ldd "$2" | sed -n 's/^[[:space:]]*libmpi\.so\.12 => \([^ ]*\).*/\1/p')
    [ "$lib" = "$libdir/libmpi.so.12" ] ||
        fail "$1: loads libmpi.so.12 from '${lib:-nowhere}', not from $libdir"
}

echo "== installed files"
for f in "$bindir/mpicc" "$bindir/mpiexec" "$bindir/mpimigrate" "$libdir/libmpi.so.12" \
    "$libdir/libmpich.so.12" "$includedir/nanvix-mpi/mpi.h" "$libdir/pkgconfig/nanvix-mpi.pc"; do
    [ -e "$f" ] || fail "$f is not installed"
done
pages=()
for p in "$top_srcdir"/man/man1/*.1 "$top_srcdir"/man/man3/*.3; do
    p=${p#"$top_srcdir"/man/}
    pages+=("$p")
    [ -f "$mandir/$p" ] || fail "$mandir/$p is not installed"
done

echo "== the installed mpicc"
show=$("$bindir/mpicc" -show -o prog prog.c) || fail "mpicc -show failed"
echo "$show"
case "$show" in
*"-I$includedir/nanvix-mpi "*"-L$libdir -Wl,-rpath,$libdir -lmpi") ;;
*) fail "the installed mpicc does not use $includedir/nanvix-mpi and $libdir" ;;
esac
case "$show" in
*"$top_builddir"* | *"$top_srcdir"*) fail "the installed mpicc points into the build tree" ;;
esac
if "$bindir/mpicc" -O2 -o "$tmp/demo_mpicc" "$demo_src"; then
    check_loads mpicc "$tmp/demo_mpicc"
    run_demo mpicc "$tmp/demo_mpicc"
else
    fail "the installed mpicc could not build $demo_src"
fi

echo "== pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
cflags=$("$PKG_CONFIG" --cflags nanvix-mpi) && libs=$("$PKG_CONFIG" --libs nanvix-mpi) ||
    fail "$PKG_CONFIG --cflags --libs nanvix-mpi failed"
echo "cflags: $cflags"
echo "libs:   $libs"
# shellcheck disable=SC2086 # echo joins the words with single spaces
[ "$(echo $cflags)" = "-I$includedir/nanvix-mpi -I$MPICH_INCDIR" ] ||
    fail "pkg-config --cflags: want -I$includedir/nanvix-mpi -I$MPICH_INCDIR"
# shellcheck disable=SC2086
[ "$(echo $libs)" = "-L$libdir -lmpi" ] || fail "pkg-config --libs: want -L$libdir -lmpi"
# shellcheck disable=SC2086 # the flags are words
if $CC -O2 $cflags -o "$tmp/demo_pc" "$demo_src" $libs -Wl,-rpath,"$libdir"; then
    check_loads pkg-config "$tmp/demo_pc"
    run_demo pkg-config "$tmp/demo_pc"
else
    fail "$CC with pkg-config's flags could not build $demo_src"
fi

echo "== the installed mpifort"
for f in "$bindir/mpifort" "$bindir/mpif90" "$bindir/mpif77" "$includedir/nanvix-mpi/mpix.h"; do
    [ -e "$f" ] || fail "$f is not installed"
done
show=$(NMPI_MPIFORT=mpifort.mpich "$bindir/mpif90" -show -o prog prog.f90) || fail "mpif90 -show failed"
echo "$show"
case "$show" in
"mpifort.mpich -I$includedir/nanvix-mpi "*"-L$libdir -Wl,-rpath,$libdir "*"-lmpi") ;;
*) fail "the installed mpif90 does not use $includedir/nanvix-mpi and $libdir" ;;
esac
case "$show" in
*"$top_builddir"* | *"$top_srcdir"*) fail "the installed mpif90 points into the build tree" ;;
esac
if ! command -v mpifort.mpich >/dev/null || ! command -v gfortran >/dev/null; then
    echo "SKIP: no Fortran program (install the Debian packages gfortran and libmpich-dev)"
elif "$bindir/mpif90" -J "$tmp" -o "$tmp/fort_ext" "$top_srcdir/tests/fortran/fort_ext.f90" >"$tmp/fc.out" 2>&1; then
    check_loads mpif90 "$tmp/fort_ext"
    echo "== mpif90: $bindir/mpiexec -n 3 --spares 1 $tmp/fort_ext"
    env -u LD_LIBRARY_PATH NMPI_RUN_DIR="$tmp/run" timeout -k 10 "$TIMEOUT" \
        "$bindir/mpiexec" -n 3 --spares 1 "$tmp/fort_ext" </dev/null >"$tmp/fort.out" 2>&1 ||
        fail "mpif90: fort_ext exit status $?"
    cat "$tmp/fort.out"
    grep -q '^ fort_ext: OK 3 ranks 1 spares$' "$tmp/fort.out" || fail "mpif90: no OK line"
else
    cat "$tmp/fc.out"
    fail "the installed mpif90 could not build tests/fortran/fort_ext.f90"
fi

echo "== the installed mpimigrate"
"$bindir/mpimigrate" --help >"$tmp/mm.out" 2>&1 || fail "mpimigrate --help: exit status $?"
grep -q '^Usage: mpimigrate' "$tmp/mm.out" || fail "mpimigrate --help printed no usage"
NMPI_RUN_DIR=$tmp/none "$bindir/mpimigrate" 0 1 >"$tmp/mm.out" 2>&1
status=$?
cat "$tmp/mm.out"
[ $status -eq 2 ] || fail "mpimigrate without a job: exit status $status (want 2)"

echo "== the installed manual pages"
if ! command -v man >/dev/null; then
    fail "man not found: install the Debian package man-db"
else
    for p in "${pages[@]}"; do
        [ -f "$mandir/$p" ] || continue
        (cd "$mandir" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p") >"$tmp/man.out" 2>"$tmp/man.err" ||
            fail "man -l $mandir/$p failed"
        [ -s "$tmp/man.out" ] || fail "man -l $mandir/$p rendered nothing"
        [ ! -s "$tmp/man.err" ] || fail "man -l $mandir/$p: $(cat "$tmp/man.err")"
    done
    # Looked up by name, as a reader would (a .so link resolved in mandir).
    for name in mpiexec mpimigrate MPI_Migrateto MPIX_Spare_count; do
        if ! LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -M "$mandir" "$name" >"$tmp/man.out" 2>"$tmp/man.err"; then
            fail "man -M $mandir $name failed: $(cat "$tmp/man.err")"
            continue
        fi
        grep -q "$name" "$tmp/man.out" || fail "man -M $mandir $name: the page does not name $name"
        [ ! -s "$tmp/man.err" ] || fail "man -M $mandir $name: $(cat "$tmp/man.err")"
    done
    echo "${#pages[@]} pages rendered"
fi

if [ $failures -ne 0 ]; then
    echo "installcheck: $failures failure(s)"
    exit 1
fi
echo "installcheck: the installed nanvix-mpi builds, runs and migrates programs"
