#!/bin/bash
# thread_guard.sh: every MPI entry point opens with MPI_THREAD_GUARD().
#
# Under MPI_THREAD_MULTIPLE the guard is what serialises MPI calls
# (mpi/core/mpi_thread.h); an entry point without it would let two threads
# into comm-virt at once. Checks every exported definition in mpi/ (names
# PMPI_, PMPIX_, MPI_, MPIX_ and MPII_ at the start of a line, not static),
# whose body must begin with the guard on the line after its '{'. The
# generated entry points of mpi/unsup/ take it in mpi_unsupported().
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$top_srcdir" || exit 1

bad=$(find mpi -name '*.c' ! -path 'mpi/unsup/unsup_*' -print0 | sort -z | xargs -0 awk '
FNR == 1 { want = 0; name = "" }
# A definition starts at column 0 with a return type and an exported name.
/^[A-Za-z_][A-Za-z0-9_ *]*[ *](P?MPIX?_|MPII_)[A-Za-z0-9_]+\(/ && !/^static/ && !/;[ \t]*$/ {
    name = $0; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name); pending = 1; next
}
pending && /;[ \t]*$/ && !/^\{/ { pending = 0; next } # a multi-line declaration
pending && /^\{$/ { pending = 0; want = 1; next }
want {
    if ($0 !~ /^    MPI_THREAD_GUARD\(\);/)
        printf "%s:%d: %s does not open with MPI_THREAD_GUARD()\n", FILENAME, FNR, name
    want = 0
}
END { }')
n=$(find mpi -name '*.c' ! -path 'mpi/unsup/unsup_*' -print0 | xargs -0 grep -c '^    MPI_THREAD_GUARD();' |
    awk -F: '{ s += $2 } END { print s }')
if [ -n "$bad" ]; then
    echo "$bad"
    echo "FAIL: entry points without the thread guard"
    exit 1
fi
grep -q 'MPI_THREAD_GUARD();' mpi/unsup/unsup.c || { echo "FAIL: mpi_unsupported has no guard"; exit 1; }
[ "$n" -gt 300 ] || { echo "FAIL: only $n guards found: is the pattern still right?"; exit 1; }
echo "PASS: $n entry points open with MPI_THREAD_GUARD()"
