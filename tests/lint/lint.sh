#!/bin/bash
# lint.sh: cppcheck finds nothing in the library and its tools, and every C
# file of the source tree is formatted as the committed .clang-format says.
#
# 1. cppcheck (the flags are in run_cppcheck below) over base nanvix-port
#    uarea rank-migrate comm-virt mpi tools, with -I for every folder of
#    those and of include/ that holds a header. include/mpi.h reaches
#    MPICH's mpi.h with #include_next, which cppcheck ignores, so MPICH's
#    is given first with --include ($MPICH_INCDIR, from configure): the MPI
#    types and constants are then known, as the compiler knows them. Any
#    finding fails, and so does an inline suppression that no longer
#    matches anything (unmatchedSuppression). A false positive is
#    suppressed where it stands, with the reason after a semicolon:
#        /* cppcheck-suppress nullPointer ; why it cannot be NULL here */
#    and a suppression without a reason fails too.
# 2. clang-format --dry-run --Werror with $top_srcdir/.clang-format on every
#    *.c and *.h of the source tree: the files git tracks when $top_srcdir
#    is the top of a git checkout, else every such file find sees (a dist
#    tree), less hidden folders and build trees inside it, which are named.
#    The files that differ are listed; `clang-format -i FILE` fixes one.
#
# Each check first runs on a small planted fault (a leak, a misformatted
# line) that it must report, so it cannot pass by checking nothing.
#
# Exit status: 0 pass, 1 fail, 77 skip: cppcheck or clang-format is not
# installed (the other check still runs), unless NMPI_LINT_REQUIRED=1 (CI),
# which makes a missing tool a failure. Run by make check (top_srcdir set),
# or by hand from anywhere.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICH_INCDIR:=/usr/include/x86_64-linux-gnu/mpich}"

CHECKED=(base nanvix-port uarea rank-migrate comm-virt mpi tools)

# run_cppcheck ROOT INCLUDE_DIR... -- PATH...: cppcheck from ROOT; prints
# the findings, one line each with its notes; returns non-zero on any.
run_cppcheck() {
    local root=$1 incs=()
    shift
    while [ "$1" != -- ]; do
        incs+=(-I "$1")
        shift
    done
    shift
    (cd "$root" && cppcheck --quiet --error-exitcode=1 \
        --enable=warning,style,performance,portability,information \
        --suppress=missingIncludeSystem --std=c11 -D_GNU_SOURCE -D__x86_64__ --inline-suppr \
        "${incs[@]}" --include="$MPICH_INCDIR/mpi.h" \
        --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
        --template-location='{file}:{line}:{column}: note: {info}' "$@" 2>&1)
}

# run_format ROOT FILE...: clang-format's dry run from ROOT with the
# committed style; prints each file that differs (with its count of
# differences) and any other message of clang-format; returns non-zero if
# a file differs or clang-format failed.
run_format() {
    local root=$1 out status
    shift
    out=$(cd "$root" && printf '%s\0' "$@" | xargs -0 -r clang-format --dry-run --Werror \
        --style="file:$top_srcdir/.clang-format" 2>&1)
    status=$?
    # A difference is three lines: file:line:col: error: ..., the code, a caret.
    printf '%s\n' "$out" | awk '
        /: error: code should be clang-formatted/ {
            f = $0; sub(/:[0-9]+:[0-9]+: error: .*/, "", f)
            if (!(f in n)) order[++files] = f
            n[f]++; skip = 2; next
        }
        skip > 0 { skip--; next }
        NF { print }
        END {
            for (i = 1; i <= files; i++)
                printf "%s: not formatted (%d place%s)\n", order[i], n[order[i]], (n[order[i]] > 1 ? "s" : "")
        }'
    [ $status -eq 0 ] && [ -z "$out" ]
}

# cppcheck must report a planted leak, or it would pass on anything.
self_test_cppcheck() {
    local t=$top_builddir/tests/.build/lint-cppcheck out
    rm -rf "$t"
    mkdir -p "$t/src" || return 1
    printf '#include <stdlib.h>\n\nint leak(int n)\n{\n    char *p = malloc(16);\n\n    if (n)\n        return 1;\n    free(p);\n    return 0;\n}\n' >"$t/src/leak.c"
    if out=$(run_cppcheck "$t" src -- src) || ! grep -q '^src/leak.c:8:.*\[memleak\]$' <<<"$out"; then
        echo "$out"
        echo "FAIL: cppcheck: self-test: the planted leak was not found"
        return 1
    fi
    rm -rf "$t"
    echo "cppcheck: self-test OK (planted leak found)"
}

# clang-format must report a planted misformat and pass a formatted file.
self_test_format() {
    local t=$top_builddir/tests/.build/lint-format out
    rm -rf "$t"
    mkdir -p "$t/src" || return 1
    printf 'int f(int a)\n{\n    return a + 1;\n}\n' >"$t/src/good.c"
    printf 'int g(int a)\n{\n    return a+1;\n}\n' >"$t/src/bad.c"
    if out=$(run_format "$t" src/good.c src/bad.c) || ! grep -q '^src/bad.c: not formatted' <<<"$out" ||
        grep -q good.c <<<"$out"; then
        echo "$out"
        echo "FAIL: clang-format: self-test: want exactly src/bad.c reported"
        return 1
    fi
    rm -rf "$t"
    echo "clang-format: self-test OK (planted misformat found)"
}

check_cppcheck() {
    local incs out n
    if [ ! -f "$MPICH_INCDIR/mpi.h" ]; then
        echo "FAIL: cppcheck: MPICH's mpi.h not found in $MPICH_INCDIR (set MPICH_INCDIR)"
        return 1
    fi
    self_test_cppcheck || return 1
    # The folders that hold a header, each once, in a stable order.
    incs=$(cd "$top_srcdir" && find "${CHECKED[@]}" include -name '*.h' -printf '%h\n' | LC_ALL=C sort -u)
    n=$(cd "$top_srcdir" && find "${CHECKED[@]}" -name '*.c' | wc -l)
    echo "== cppcheck $(cppcheck --version | sed 's/^Cppcheck //'): $n C files in ${CHECKED[*]}"
    # shellcheck disable=SC2086 # one folder a word: no folder has a space
    if ! out=$(run_cppcheck "$top_srcdir" $incs -- "${CHECKED[@]}") || [ -n "$out" ]; then
        echo "$out"
        echo "FAIL: cppcheck: $(grep -c '\[[A-Za-z0-9_]*\]$' <<<"$out") finding(s)"
        echo "      (a false positive: /* cppcheck-suppress <id> ; why */ on the line before it)"
        return 1
    fi
    out=$(cd "$top_srcdir" && grep -rn --include='*.c' --include='*.h' 'cppcheck-suppress' \
        "${CHECKED[@]}" include | grep -v 'cppcheck-suppress [A-Za-z]* ; [^ *]')
    if [ -n "$out" ]; then
        echo "$out"
        echo "FAIL: cppcheck: a suppression without its reason (/* cppcheck-suppress <id> ; why */)"
        return 1
    fi
    echo "cppcheck: OK (no finding)"
}

# The C files of the source tree into the array files, relative to it.
c_files() {
    local top skip prune
    top=$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)
    if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
        echo "(the C files git tracks)"
        mapfile -t files < <(git -C "$top_srcdir" ls-files -- '*.c' '*.h')
        drop_fortran
        return
    fi
    # Hidden folders (.git, .deps, tests/.build) and build trees inside the
    # source tree (make distcheck's _build/sub) are not sources.
    prune=(-mindepth 1 -type d \( -name '.*' -o -exec test -e '{}/config.status' \; \) -prune)
    skip=$(cd "$top_srcdir" && find . "${prune[@]}" -print | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
    echo "(not a git checkout: every C file find sees${skip:+, but in: ${skip% }})"
    mapfile -t files < <(cd "$top_srcdir" && find . "${prune[@]}" -o -type f \
        \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | LC_ALL=C sort)
    drop_fortran
}

# Fortran include files named *.h, like mpif.h (include/mpix.h), are not C:
# their first line is a '!' comment, which no C file starts with.
drop_fortran() {
    local f kept=()
    for f in "${files[@]}"; do
        [ "$(head -c1 "$top_srcdir/$f")" = '!' ] || kept+=("$f")
    done
    files=("${kept[@]}")
}

check_format() {
    local files missing f
    if [ ! -f "$top_srcdir/.clang-format" ]; then
        echo "FAIL: clang-format: no .clang-format in $top_srcdir"
        return 1
    fi
    self_test_format || return 1
    echo "== $(clang-format --version | sed 's/.*\(clang-format version [^ ]*\).*/\1/')"
    c_files
    missing=()
    for f in "${files[@]}"; do
        [ -f "$top_srcdir/$f" ] || missing+=("$f")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "FAIL: clang-format: tracked but missing: ${missing[*]}"
        return 1
    fi
    if [ ${#files[@]} -lt 10 ]; then
        echo "FAIL: clang-format: only ${#files[@]} C files found in $top_srcdir"
        return 1
    fi
    if ! run_format "$top_srcdir" "${files[@]}"; then
        echo "FAIL: clang-format: the files above differ from the style of .clang-format"
        echo "      (clang-format -i FILE formats one)"
        return 1
    fi
    echo "clang-format: OK (${#files[@]} C files formatted)"
}

# Which tools are here; a missing one is a skip, or a failure in CI.
status=0
skipped=0
have() {
    command -v "$1" >/dev/null && return 0
    if [ "${NMPI_LINT_REQUIRED:-0}" = 1 ]; then
        echo "FAIL: $1 not found, and NMPI_LINT_REQUIRED=1: install the Debian package $1"
        status=1
    else
        echo "SKIP: $1 not found: install the Debian package $1 to run this check"
        skipped=1
    fi
    return 1
}
have_cppcheck=0
have_format=0
have cppcheck && have_cppcheck=1
have clang-format && have_format=1

echo "== $top_srcdir"
if [ $have_cppcheck = 1 ]; then
    check_cppcheck || status=1
fi
if [ $have_format = 1 ]; then
    check_format || status=1
fi
[ $status -eq 0 ] && [ $skipped = 1 ] && exit 77
exit $status
