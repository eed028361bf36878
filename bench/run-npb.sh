#!/bin/bash
# run-npb.sh: the NPB kernels on MPICH and on nanvix-mpi, one binary each.
#
# Builds examples/npb/{ep,is,cg,mg,ft} ONCE with MPICH's own mpicc, then for
# every class and process count runs each kernel with MPICH's library (plain
# mpiexec.hydra), with ours (our mpiexec, LD_LIBRARY_PATH = our build's
# .libs), and with ours again while rank 1 moves to a spare cluster half-way
# through the timed loop. Prints one table: Mop/s of each run, the ratio
# ours/MPICH, and the cost of the move: seconds in MPI_Migrateto, of which
# the rank was frozen (downtime), and the share of the run time.
# A run that does not verify shows its Mop/s followed by "!".
#
# Environment: top_builddir, top_srcdir (default: this script's tree),
# MPICC_MPICH, HYDRA, NPB_CLASSES (default "W A"), NPB_NP (default "2"; e.g.
# "2 4"), NPB_KERNELS (default "ep is cg mg ft"), NPB_TIMEOUT (s, default 600),
# NPB_REPEAT (default 1): runs MPICH and ours that many times, alternated,
# and shows the median Mop/s of each (the moved run stays one): on a 2-core
# VM one class A run of EP, pure computation, varied 226-323 Mop/s on
# MPICH from one run to the next, so one pair says little about 5%.
set -u
# Stop-and-copy moves unless asked otherwise: the default mode (auto) would
# send large ranks pre-copy, and these figures are stop-and-copy's.
export NMPI_MIGRATION_MODE=${NMPI_MIGRATION_MODE:-stop}
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPICC_MPICH:=mpicc.mpich}"
: "${HYDRA:=mpiexec.hydra}"
classes=${NPB_CLASSES:-W A}
nps=${NPB_NP:-2}
kernels=${NPB_KERNELS:-ep is cg mg ft}
tmo=${NPB_TIMEOUT:-600}
repeat=${NPB_REPEAT:-1}
src=$top_srcdir/examples/npb
out=$top_builddir/bench/npb
libs=$top_builddir/.libs
mkdir -p "$out"

for k in $kernels; do
    "$MPICC_MPICH" -O2 -o "$out/$k" "$src/$k.c" "$src/npb_common.c" "$src/npb_migrate.c" \
        "$src/npb_checkpoint.c" "$src/npb_pace.c" -lm -ldl || exit 1
done
[ -e "$libs/libmpich.so.12" ] ||
    { echo "run-npb: $libs/libmpich.so.12 missing (build the library first)" >&2; exit 1; }

# The middle iteration of a kernel's timed loop (for EP: of one rank's batches).
middle() {
    local k=$1 cls=$2 np=$3
    case $k in
    ep) case $cls in S) echo $((256 / np / 2)) ;; W) echo $((512 / np / 2)) ;;
        *) echo $((4096 / np / 2)) ;; esac ;;
    is) echo 5 ;;
    cg) echo 8 ;;
    mg) echo 2 ;;
    ft) echo 3 ;;
    esac
}

# median FILE...: the median of the Mop/s of reports (mops), "!" appended
# when any did not verify.
median() {
    local f
    for f in "$@"; do
        mops "$f"
    done | sort -g | awk '/!$/ { bad = "!"; sub(/!$/, "") } { v[++n] = $1 }
        END { if (n == 0) { print "-"; exit }
              m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
              printf "%.2f%s\n", m, bad }'
}

# mops FILE: "Mop/s total" of a report, with "!" when it did not verify.
mops() {
    local v
    v=$(sed -n 's/^ Mop\/s total = //p' "$1")
    grep -q '^ Verification = SUCCESSFUL' "$1" || v="${v:--}!"
    echo "${v:--}"
}

printf '%-3s %-5s %3s %12s %12s %7s %12s %9s %9s %8s\n' cls kernel np "MPICH Mop/s" \
    "ours Mop/s" ratio "moved Mop/s" "move s" "down s" "share"
status=0
for cls in $classes; do
    for np in $nps; do
        for k in $kernels; do
            base=$out/$k.$cls.$np
            echo "== $k $cls -n $np" >&2
            for i in $(seq "$repeat"); do
                sfx=$([ "$repeat" = 1 ] || echo ".$i")
                env -u LD_LIBRARY_PATH timeout -k 10 "$tmo" "$HYDRA" -n "$np" "$out/$k" "$cls" \
                    </dev/null >"$base.mpich$sfx" 2>&1 || status=1
                LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout -k 10 "$tmo" \
                    "$top_builddir/tools/mpiexec" -n "$np" "$out/$k" "$cls" </dev/null \
                    >"$base.ours$sfx" 2>&1 || status=1
            done
            LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout -k 10 "$tmo" \
                "$top_builddir/tools/mpiexec" -n "$np" --spares 1 "$out/$k" "$cls" \
                --migrate "1@$(middle "$k" "$cls" "$np")" </dev/null >"$base.moved" 2>&1 ||
                status=1
            if [ "$repeat" = 1 ]; then
                m=$(mops "$base.mpich") o=$(mops "$base.ours")
            else
                m=$(median "$base".mpich.*) o=$(median "$base".ours.*)
            fi
            v=$(mops "$base.moved")
            move=$(sed -n 's/^ Migration time = \([0-9.]*\) s (\([0-9.]*%\).*downtime \([0-9.]*\) s/\1 \3 \2/p' \
                "$base.moved")
            grep -qE '^ Migration 1: .* cluster [0-9]+ -> [0-9]+ in ' "$base.moved" || move="- - -"
            ratio=$(awk -v a="$o" -v b="$m" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }')
            # shellcheck disable=SC2086
            printf '%-3s %-5s %3s %12s %12s %7s %12s %9s %9s %8s\n' "$cls" "$k" "$np" "$m" \
                "$o" "$ratio" "$v" $move
        done
    done
done
echo "(outputs in $out/<kernel>.<class>.<np>.{mpich,ours,moved}; with NPB_REPEAT, .mpich.<i>, .ours.<i>)"
exit $status
