#!/bin/bash
# run-busy-move.sh: a move's downtime on a quiet node and on a node whose
# cores are oversubscribed (issue 15, item 4: "a move under 4x
# oversubscription should cost no more than 3x its quiet downtime").
#
# 1. bench/migration.c, built with our mpicc, one rank and one spare, moves
#    away and back BUSY_MOVES times (default 10) for each heap of BUSY_SIZES
#    (default 16M 256M), checking its heap after every move; the first
#    round trip of each size is left out (its destination faults the pages
#    in for the first time: a cold move, which make bench-migration-modes
#    measures). Once on the node as it is ("quiet"), once with BUSY_FACTOR
#    (default 4) busy-loop processes per core ("busy": 8 on 2 cores).
# 2. NPB CG class A (examples/npb/cg), 2 ranks and a spare, rank 1 moved at
#    iteration 8, BUSY_NPB_RUNS times (default 3; 0: skipped) quiet and busy.
#
# A burner is `sh -c 'while :; do :; done'` in a session of its own
# (setsid): Linux's autogroup scheduling (kernel.sched_autogroup_enabled=1,
# the default of desktop and Debian kernels) shares a core between
# sessions first, and every cluster of a job is a session of its own
# (hydra's proxy), so burners started in this script's session would all
# share one slot against each cluster and hardly load it; a burner per
# session competes as another user's job would. They are killed by their
# process ids when the script exits (trap).
#
# BUSY_OUT: another directory for every output (e.g. to run the bench as an
# unprivileged user, whose moves cannot lower their nice: np_boost.c).
# BUSY_LIBS: the library directory to measure (default the build's .libs;
# another build's for a before/after comparison).
# BUSY_REPORT_ONLY=1: no run, the table made again from the outputs.
#
# Table (bench/busy-move.txt): per workload, moves counted, median and max
# downtime quiet and busy (ms), the ratios busy/quiet of the medians and of
# the maxima, and the load averages before each phase (the machine is
# shared: a "quiet" node is only as quiet as the others leave it). Raw runs
# in bench/busy-move-*.{out,err}.
set -u
# Stop-and-copy moves unless asked otherwise: the default mode (auto) would
# send large ranks pre-copy, and these figures are stop-and-copy's.
export NMPI_MIGRATION_MODE=${NMPI_MIGRATION_MODE:-stop}
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
sizes=${BUSY_SIZES:-16M 256M}
moves=${BUSY_MOVES:-10}
factor=${BUSY_FACTOR:-4}
npb_runs=${BUSY_NPB_RUNS:-3}
out=${BUSY_OUT:-$top_builddir/bench}
txt=$out/busy-move.txt
libs=${BUSY_LIBS:-$top_builddir/.libs}
cores=$(nproc)
nburn=$((factor * cores))
burndir=$(mktemp -d "${TMPDIR:-/tmp}/nmpi-busy.XXXXXX")
die() {
    echo "run-busy-move: $*" >&2
    exit 1
}
mkdir -p "$out"
"$top_builddir/tools/mpicc" -O2 -o "$out/migration" "$top_srcdir/bench/migration.c" ||
    die "cannot build bench/migration"
[ "$npb_runs" = 0 ] || [ -x "$top_builddir/examples/npb/cg" ] || die "examples/npb/cg missing (make first)"
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export NMPI_MIGRATE_TIMEOUT=${NMPI_MIGRATE_TIMEOUT:-120}

# The burners, by the process ids they wrote (never by name).
burners_stop() {
    local f
    for f in "$burndir"/*.pid; do
        [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
}
burners_start() {
    local i
    for i in $(seq "$nburn"); do
        setsid sh -c "echo \$\$ >'$burndir/$i.pid'; exec nice -n 0 sh -c 'while :; do :; done'" \
            </dev/null >/dev/null 2>&1 &
    done
    for i in $(seq "$nburn"); do # every burner running before the clock starts
        while [ ! -s "$burndir/$i.pid" ]; do sleep 0.05; done
    done
    sleep 1
}
trap 'burners_stop; rm -rf "$burndir"' EXIT
trap 'exit 130' INT TERM

# run PHASE: the moves of bench/migration and the NPB runs, into
# bench/busy-move-PHASE.{out,err} and bench/busy-move-PHASE-cg<i>.out.
run() {
    local phase=$1 i
    echo "load $phase $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/busy-move.load"
    echo "== $phase: tools/mpiexec -n 1 --spares 1 migration -l 0 -m $moves -M $moves $sizes" >&2
    # shellcheck disable=SC2086 # word list
    env NMPI_MIGRATION_REPORT=1 timeout 1200 "$top_builddir/tools/mpiexec" -n 1 --spares 1 \
        "$out/migration" -l 0 -m "$moves" -M "$moves" $sizes \
        >"$out/busy-move-$phase.out" 2>"$out/busy-move-$phase.err" ||
        die "the $phase run failed (see $out/busy-move-$phase.err)"
    for i in $(seq "$npb_runs"); do
        echo "== $phase: tools/mpiexec -n 2 --spares 1 cg A --migrate 1@8 ($i)" >&2
        env NMPI_MIGRATION_REPORT=1 timeout 600 "$top_builddir/tools/mpiexec" -n 2 --spares 1 \
            "$top_builddir/examples/npb/cg" A --migrate 1@8 </dev/null \
            >"$out/busy-move-$phase-cg$i.out" 2>&1 || die "cg A ($phase, run $i) failed"
    done
}

# points PHASE: "<workload> <downtime s>" per move: bench/migration's move
# lines (the first round trip of each size left out) and cg's.
points() {
    local phase=$1
    awk '$1 == "move" { if (++n[$2] > 2) printf "heap-%dMiB %s\n", $2 / 1048576, $8 }' \
        "$out/busy-move-$phase.out"
    cat "$out/busy-move-$phase"-cg*.out 2>/dev/null |
        sed -n 's/^ Migration 1: .*(downtime \([0-9.]*\) s,.*/npb-cg-A \1/p'
}

if [ "${BUSY_REPORT_ONLY:-0}" != 1 ]; then
    : >"$out/busy-move.load"
    rm -f "$out"/busy-move-*.out "$out"/busy-move-*.err
    run quiet
    burners_start
    run busy
    burners_stop
fi
{
    echo "# A move on a busy node (bench/run-busy-move.sh, $(date -u +%Y-%m-%dT%H:%MZ), $cores cores)"
    echo "# library: $libs ($(cd "$top_srcdir" && git describe --always --dirty 2>/dev/null) sources)"
    echo "# busy: $nburn busy-loop processes (${factor}x the cores), each in its own session"
    sed 's/^/# /' "$out/busy-move.load"
    echo "# downtime in ms; ratio = busy / quiet"
    printf '%-14s %5s %10s %10s %5s %10s %10s %8s %8s\n' workload moves q-median q-max moves \
        b-median b-max r-median r-max
    {
        points quiet | sed 's/^/q /'
        points busy | sed 's/^/b /'
    } | awk '
        { k = $1 SUBSEP $2; v[k, ++n[k]] = $3 * 1e3; w[$2] = 1 }
        function sort(k,    i, j, t) {
            for (i = 1; i <= n[k]; i++) s[i] = v[k, i]
            for (i = 2; i <= n[k]; i++)
                for (j = i; j > 1 && s[j - 1] > s[j]; j--) { t = s[j]; s[j] = s[j - 1]; s[j - 1] = t }
            return n[k]
        }
        function med(k,    c) { c = sort(k); return c == 0 ? 0 : c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2 }
        function hi(k,    c) { c = sort(k); return c == 0 ? 0 : s[c] }
        END {
            for (x in w) {
                q = "q" SUBSEP x; b = "b" SUBSEP x
                printf "%-14s %5d %10.3f %10.3f %5d %10.3f %10.3f %8.2f %8.2f\n", x, n[q], med(q), hi(q),
                    n[b], med(b), hi(b), (med(q) > 0 ? med(b) / med(q) : 0), (hi(q) > 0 ? hi(b) / hi(q) : 0)
            }
        }' | sort
} >"$txt"
cat "$txt"
