#!/bin/bash
# settings.sh: the table of settings is complete and documented.
#
# Every setting the library, its tools and its scripts read is declared in
# base/base_settings.c (mpiexec --settings prints it); this checks it three
# ways: each name the C sources pass to base_setting*() is in the table; no
# library source reads an NMPI_ variable with getenv() behind the table's
# back; and each entry of the table has a row in README.md's table of
# environment variables. Exit status: 0 pass, 1 fail.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

fail() {
    echo "FAIL: $*"
    exit 1
}

table=$("$top_builddir/tools/mpiexec" --settings) || fail "mpiexec --settings failed"
names=$(echo "$table" | awk 'NR > 1 && $1 ~ /^[A-Z_]+$/ { print $1 }')
[ "$(echo "$names" | wc -l)" -gt 10 ] || fail "mpiexec --settings printed too few settings"

layers=(base nanvix-port uarea rank-migrate comm-virt mpi tools)
used=$(cd "$top_srcdir" && grep -rhoE 'base_setting[a-z_]*\("[A-Z_]+"' --include='*.c' \
    --include='*.h' "${layers[@]}" | sed -E 's/.*\("([A-Z_]+)"/\1/' | sort -u)
[ -n "$used" ] || fail "no base_setting() call found in the sources"
for n in $used; do
    echo "$names" | grep -qx "$n" || fail "$n is read by the code but not in the settings table"
done
echo "read through the table: $(echo "$used" | wc -l) settings"

stray=$(cd "$top_srcdir" && grep -rnE 'getenv\("(NMPI|NP)_' --include='*.c' "${layers[@]}" |
    grep -v '^base/')
[ -z "$stray" ] || fail "settings read behind the table's back: $stray"

for n in $names; do
    grep -q "^|.*\`$n\`" "$top_srcdir/README.md" ||
        fail "$n is in the settings table but not in README.md's environment table"
done
echo "settings: OK ($(echo "$names" | wc -l) in the table, all in README.md)"
