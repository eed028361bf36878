#!/bin/bash
# man.sh: renders every manual page of man/ and fails on any warning or a
# missing page.
#
# Pages wanted: mpiexec(1), mpicc(1), mpimigrate(1), and a section-3 page
# for every function include/mpi.h declares. Each page must be listed in
# man/Makefile.inc (so it is installed), render with
# `groff -man -Tutf8 -ww -z` and with `man -l` without a single warning,
# have the usual sections (a .so link only needs its target), and every
# reference in it to one of our commands or functions must name a page that
# exists. Needs groff (Debian package groff-base) and man (man-db).
# Exit status: 0 pass, 1 fail (automake's convention).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
mandir=$top_srcdir/man
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

command -v groff >/dev/null || { echo "FAIL: groff not found: install the Debian package groff-base"; exit 1; }
command -v man >/dev/null || { echo "FAIL: man not found: install the Debian package man-db"; exit 1; }

# Our names: the commands and every function of include/mpi.h.
functions=$(sed -n 's/^int \(P\{0,1\}MPIX\{0,1\}_[A-Za-z_]*\)(.*/\1/p' "$top_srcdir/include/mpi.h")
[ -n "$functions" ] || fail "no function found in include/mpi.h"
wanted=(man1/mpiexec.1 man1/mpicc.1 man1/mpimigrate.1)
for f in $functions; do
    wanted+=("man3/$f.3")
done
for p in "${wanted[@]}"; do
    [ -f "$mandir/$p" ] || fail "missing page man/$p"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmpi-man.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$mandir" || exit 1
pages=(man1/*.1 man3/*.3)
listed=$(tr -s ' \t\\' '\n\n\n' <"$mandir/Makefile.inc")
for p in "${pages[@]}"; do
    echo "== man/$p"
    grep -qxF "man/$p" <<<"$listed" || fail "man/$p is not listed in man/Makefile.inc"

    # groff: -ww turns every warning on, -z formats without output.
    err=$(groff -man -Tutf8 -ww -z "$p" 2>&1) || fail "groff failed on $p"
    [ -z "$err" ] || fail "groff warnings on $p: $err"

    # man -l: what a reader runs (preprocessors, .so links, the pager's width).
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -l "$p" 2>"$tmp/err") ||
        fail "man -l failed on $p"
    err=$(cat "$tmp/err")
    [ -z "$err" ] || fail "man -l warnings on $p: $err"
    [ -n "$out" ] || fail "man -l rendered nothing for $p"

    first=$(head -n 1 "$p")
    if [[ "$first" == .so\ * ]]; then
        target=${first#.so }
        [ -f "$target" ] || fail "$p links to a missing page $target"
        continue
    fi
    name=$(basename "$p")
    section=${name##*.}
    name=${name%.*}
    grep -qiE "^\.TH \"?$name\"? $section " "$p" || fail "$p: .TH does not name $name($section)"
    for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
        grep -qE "^\.SH \"?$s\"?$" "$p" || fail "$p has no $s section"
    done
    # References (.BR name (N)) to our commands, to MPIX_ names and to the
    # functions of include/mpi.h (any case) must name a page of ours.
    for ref in $(sed -n 's/^\.BR \([A-Za-z_.\\-]*\) (\([0-9]\)).*/\1.\2/p' "$p"); do
        ref=${ref//\\/}
        case "${ref%.*}" in
        mpiexec | mpicc | mpimigrate | MPIX_* | PMPIX_*) ;;
        *) grep -qixF "${ref%.*}" <<<"$functions" || continue ;; # MPICH's own pages
        esac
        [ -f "man${ref##*.}/$ref" ] || fail "$p refers to ${ref%.*}(${ref##*.}), which has no page"
    done
done

echo "${#pages[@]} pages checked, $failures failure(s)"
[ $failures -eq 0 ]
