#!/bin/bash
# run-dirty.sh: the cost of tracking written pages, per backend (bench/dirty.c).
#
# Runs bench/dirty (built by `make bench-dirty`) over 16 MiB, 256 MiB and
# 1 GiB (DIRTY_SIZES, in MiB) and writes its table to bench/dirty.txt, with
# the kernel and the machine's load at the start, so that a table read
# later says where it came from.
# Environment: top_builddir, top_srcdir (default: this script's tree), DIRTY_SIZES.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
out=$top_builddir/bench/dirty.txt
# shellcheck disable=SC2086 # DIRTY_SIZES is a list of words
{
    echo "# $(uname -sr), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
    timeout 1200 "$top_builddir/bench/dirty" ${DIRTY_SIZES:-16 256 1024}
} | tee "$out.tmp" || { echo "run-dirty: the run failed" >&2; exit 1; }
mv "$out.tmp" "$out"
