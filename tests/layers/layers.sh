#!/bin/bash
# layers.sh: calls go downward only, checked on the #include lines of every
# C file (*.c, *.h) of the source tree.
#
# The layers, top to bottom: mpi -> comm-virt -> rank-migrate -> uarea ->
# nanvix-port -> base. Each has one public header (cv.h, rmig.h, ua.h, nanvix.h, base.h;
# mpi/'s is include/mpi.h, the MPI API); every other header of a folder is
# private to it. RULES below says, for each folder, which headers of other
# folders its files may include; a file belongs to the longest folder of the
# table that holds it (subfolders included: mpi/core belongs to mpi) and may
# always include the headers of its own folder. An entry ending in / allows
# every header of that folder (a layer's unit tests see its private headers).
# A header is known by its file name: any header of the source tree, found
# wherever it lives; names that are not in the tree are system headers and
# are not checked.
#
# Prints every offending include as file:line, and exits 1 if there is one
# (or if a file lies in no folder of the table, or a header name is used
# twice); 0 otherwise. Before the tree, it checks itself on a small tree with
# known faults. Run by make check (top_srcdir set), or by hand from anywhere.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

RULES='
# folder                  headers of other folders it may include
base:
nanvix-port:              base.h
uarea:                    base.h nanvix.h
rank-migrate:             base.h nanvix.h ua.h
comm-virt:                base.h nanvix.h ua.h rmig.h
mpi:                      base.h nanvix.h ua.h rmig.h cv.h mpi.h
include:
tools:                    base.h rmig_xreq.h rmig_ckpt_image.h rmig_model.h
examples:                 mpi.h
bench:                    mpi.h rmig_dirty.h rmig_postcopy_fault.h rmig_postcopy_serve.h
tests/lib:                mpi.h
tests/mpi:                mpi.h testhelp.h testhelp_mpi.h
tests/soak:               mpi.h testhelp.h testhelp_mpi.h
tests/unit/base:          base/ testhelp.h testhelp_check.h
tests/unit/nanvix-port:   nanvix-port/ base.h
tests/unit/uarea:         uarea/ base.h nanvix.h
# The fake of nanvix-port that the two layers above uarea share.
tests/unit/fake:          nanvix.h
tests/unit/rank-migrate:  rank-migrate/ base.h nanvix.h ua.h fake_nanvix.h testhelp.h testhelp_check.h
tests/unit/comm-virt:     comm-virt/ base.h nanvix.h ua.h rmig.h fake_nanvix.h testhelp_check.h
tests/unit/mpi:           mpi/ base.h nanvix.h ua.h rmig.h cv.h mpi.h
# Fuzz targets decode what another process sent: the wire headers. The push
# notice check of nanvix-port is declared in np_internal.h (the layer has no
# wire header of its own).
tests/fuzz:               nanvix.h ua.h rmig.h cv.h cv_wire.h rmig_wire.h rmig_xreq.h np_internal.h rma_wire.h rmig_ckpt_image.h rmig_precopy_wire.h rmig_postcopy_wire.h
'

# check_tree ROOT: checks the C files of ROOT against RULES; prints one line
# per fault and "layers: ..." at the end; returns 1 if there was a fault.
check_tree() {
    local root=$1 tops files
    # Only the folders of the table are scanned (not build trees beside
    # them), and no hidden folder (tests/.build).
    tops=$(printf '%s\n' "$RULES" | sed -n 's|^\([^#[:space:]][^/:]*\)[/:].*|\1|p' | sort -u)
    files=$(cd "$root" && for t in $tops; do
        [ ! -d "$t" ] || find "$t" -name '.*' -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print
    done | LC_ALL=C sort)
    printf '%s\n' "$files" | (cd "$root" && xargs -r -d '\n' grep -n -H -E \
        '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<][^">]+[">]' /dev/null) |
        awk -v rules="$RULES" -v files="$files" '
    function base(p) { sub(/.*\//, "", p); return p }
    # The longest folder of the table that holds path p ("" if none).
    function folder_of(p,    f, best) {
        best = ""
        for (f in allow)
            if (index(p, f "/") == 1 && length(f) > length(best))
                best = f
        return best
    }
    BEGIN {
        n = split(rules, line, "\n")
        for (i = 1; i <= n; i++) {
            if (line[i] ~ /^[[:space:]]*(#|$)/)
                continue
            f = line[i]; sub(/:.*/, "", f)
            rest = line[i]; sub(/^[^:]*:/, "", rest)
            allow[f] = " " rest " "
            gsub(/[[:space:]]+/, " ", allow[f])
        }
        nf = split(files, list, "\n")
        for (i = 1; i <= nf; i++) {
            p = list[i]
            if (p == "")
                continue
            checked++
            if (folder_of(p) == "") {
                printf "%s: in no folder of the table of tests/layers/layers.sh: add one\n", p
                faults++
            }
            if (p ~ /\.h$/) {
                b = base(p)
                if (b in where) {
                    printf "%s: header name also used by %s: includes of it are ambiguous\n", p, where[b]
                    faults++
                }
                where[b] = p
            }
        }
    }
    {
        # file:line:#include "x.h"
        file = $0; sub(/:.*/, "", file)
        rest = substr($0, length(file) + 2)
        ln = rest; sub(/:.*/, "", ln)
        inc = rest; sub(/^[^"<]*["<]/, "", inc); sub(/[">].*/, "", inc)
        h = base(inc)
        if (!(h in where))
            next                      # a system header
        includes++
        f = folder_of(file)
        if (f == "")
            next                      # reported above
        owner = where[h]
        if (index(owner, f "/") == 1 || index(allow[f], " " h " "))
            next                      # its own folder, or allowed
        ok = 0
        n = split(allow[f], a, " ")
        for (i = 1; i <= n; i++)
            if (a[i] ~ /\/$/ && index(owner, a[i]) == 1)
                ok = 1
        if (ok)
            next
        printf "%s:%s: includes %s (%s): not allowed in %s/ (%s)\n", file, ln, inc, owner, f,
            allow[f] == " " ? "only its own headers are" : "allowed besides its own:" substr(allow[f], 1, length(allow[f]) - 1)
        faults++
    }
    END {
        if (faults) {
            printf "layers: %d fault(s) in %d files\n", faults, checked
            exit 1
        }
        printf "layers: OK (%d files, %d includes of headers of the tree)\n", checked, includes
    }'
}

# The checker must find faults: a lower layer that includes an upper layer's
# public header and another layer's private header, and a test that
# includes a wire header it may not. Exactly these three lines must come out.
self_test() {
    local t=$top_builddir/tests/.build/layers
    rm -rf "$t"
    mkdir -p "$t/nanvix-port" "$t/uarea" "$t/comm-virt" "$t/rank-migrate" "$t/tests/mpi" || return 1
    printf '#include "nanvix.h"\n' >"$t/nanvix-port/np_internal.h"
    : >"$t/nanvix-port/nanvix.h"
    : >"$t/uarea/ua.h"
    : >"$t/rank-migrate/rmig_wire.h"
    printf '#include <stdio.h>\n#include "np_internal.h"\n # include "ua.h"\n' >"$t/nanvix-port/np_a.c"
    printf '#include "nanvix.h"\n#include "np_internal.h"\n' >"$t/uarea/ua_a.c"
    printf '#include <mpi.h>\n#include "rmig_wire.h"\n' >"$t/tests/mpi/p.c"
    local out want
    out=$(check_tree "$t") && { echo "$out"; echo "layers: self-test: faults not found"; return 1; }
    want='nanvix-port/np_a.c:3:
tests/mpi/p.c:2:
uarea/ua_a.c:2:'
    if [ "$(echo "$out" | grep -o '^[^ ]*:[0-9]*:' | sort)" != "$want" ]; then
        echo "$out"
        echo "layers: self-test: want faults at exactly: $(echo $want)"
        return 1
    fi
    rm -rf "$t"
    echo "layers: self-test OK (3 planted faults found)"
}

self_test || exit 1
echo "== $top_srcdir"
check_tree "$top_srcdir"
