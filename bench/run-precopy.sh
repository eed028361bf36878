#!/bin/bash
# run-precopy.sh: pre-copy against stop-and-copy moves of a rank that keeps
# writing its heap (issue 15, benchmark), in one table with the issue's bars.
#
# 1. bench/precopy.c, built with our mpicc, 2 ranks and a spare: rank 1
#    holds a heap of PRECOPY_SIZES MiB (default 16 256 1024) and rewrites
#    PRECOPY_RATES percent of it per 10 ms (default 0 1 10; writer
#    PRECOPY_WRITER, default moving: a sweep, successive steps write
#    different pages; hot: the same pages every step) while rank 0 moves it
#    to any spare PRECOPY_MOVES times (default 5; heaps of 1 GiB and more:
#    PRECOPY_MOVES_BIG, default 3), PRECOPY_SETTLE ms (default 1000) after
#    the rank said it was writing; the rank checks its heap bit for bit
#    after every move; and the 1 GiB 1% case with the hot writer
#    (PRECOPY_HOT_SIZE, 0: none). Every mode of PRECOPY_MODES (default stop precopy;
#    NMPI_MIGRATION_MODE). A cluster drops its pages when its rank leaves
#    (NMPI_MIGRATE_KEEP_PAGES=0): the moves go back and forth between two
#    clusters, and no destination holds an old copy of the rank.
#    Post-copy (not named in PRECOPY_MODES): a tiny job asks
#    NMPI_MIGRATION_MODE=postcopy; when the library refuses it the table
#    says so with the library's own words, and no figure is made up; when
#    it accepts it, postcopy runs as one more mode: its total runs until
#    the last heap page is at the destination (the report's "post-copy
#    from cluster" line), its bytes are the first pages plus the pages
#    pulled on demand and pushed in the background, and the table's
#    "pulled" column gives the MiB pulled on demand.
#    Per case: the rate the rank managed, and the medians [min max] over
#    the moves of downtime, total (asked to announced: the report's total
#    for pre-copy, freeze + downtime + route update for stop-and-copy),
#    bytes sent (final round + rounds while running), the final round's
#    bytes, rounds, and sent / container (container: the touched pages,
#    pre-copy's round 0, or a stop-and-copy move's bytes).
# 2. The bars of the issue, checked on the medians: with pre-copy, a 1 GiB
#    rank writing 1% per 10 ms moves with a downtime under 10 ms (and
#    stop-and-copy over 200 ms); total bytes sent by pre-copy no more than
#    2x the container (every pre-copy move, the worst said).
# 3. The 256 MiB 1% case again in every mode under 4x oversubscription:
#    PRECOPY_BURNERS (default 8) busy-loop processes on the machine's cores,
#    started before and killed after (by their pids; PRECOPY_BUSY_SIZE
#    changes the heap); downtime against the
#    quiet figure (issue bar: no more than 3x).
# 4. NPB kernels NPB_KERNELS (default cg mg ft) class NPB_CLASSES (A),
#    2 ranks and a spare, NPB_REPS runs (default 3) without a move and
#    moved once mid-run (rank 1, MPI_Migrateto at the kernel's middle
#    iteration, as make bench-npb) in every mode: median run time, the
#    share lost against the run without a move, the move's downtime.
#    PRECOPY_NPB=0 leaves them out.
# 5. bench/precopy-timeline.png (gnuplot): the 1 GiB 1% move of each mode
#    (PRECOPY_TIMELINE_SIZE changes the heap)
#    (the one with the median downtime): bytes per round against time, the
#    pause marked. The report line gives each round's bytes and time
#    ("round ms"); for runs made before it did, the time from the ask to
#    the freeze is split among the rounds in proportion to their bytes,
#    and the plot says so.
# Outputs in bench/: precopy.txt (the table), precopy-runs/ (raw runs),
# precopy.dat (one line per move), precopy-timeline.{dat,gp,png}.
# PRECOPY_REPLOT=1: no run, the table and plot made again from precopy-runs/.
# PRECOPY_PARTS (default "moves busy npb"): the parts run again, the others
# taken from precopy-runs/ (moves: 1 and the hot writer; busy: 3; npb: 4).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
sizes=${PRECOPY_SIZES:-16 256 1024}
rates=${PRECOPY_RATES:-0 1 10}
modes=${PRECOPY_MODES:-stop precopy}
writer=${PRECOPY_WRITER:-moving}
moves=${PRECOPY_MOVES:-5}
big=${PRECOPY_MOVES_BIG:-3}
settle=${PRECOPY_SETTLE:-1000}
burners=${PRECOPY_BURNERS:-8}
busy_mib=${PRECOPY_BUSY_SIZE:-256}
hot_mib=${PRECOPY_HOT_SIZE:-1024}
tl_mib=${PRECOPY_TIMELINE_SIZE:-1024}
kernels=${NPB_KERNELS:-cg mg ft}
classes=${NPB_CLASSES:-A}
reps=${NPB_REPS:-3}
tmo=${PRECOPY_TIMEOUT:-900}
replot=${PRECOPY_REPLOT:-0}
parts=${PRECOPY_PARTS:-moves busy npb}
[ "${PRECOPY_NPB:-1}" != 0 ] || parts=${parts//npb/}
out=$top_builddir/bench
runs=$out/precopy-runs
txt=$out/precopy.txt
dat=$out/precopy.dat
mkdir -p "$runs"
die() {
    echo "run-precopy: $*" >&2
    exit 1
}
export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export NMPI_MIGRATE_TIMEOUT=${NMPI_MIGRATE_TIMEOUT:-300}
export NMPI_MIGRATION_REPORT=1 NMPI_MIGRATE_KEEP_PAGES=0

pids=""
stop_burners() {
    local p
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    pids=""
}
trap stop_burners EXIT

# run_case TAG MODE MIB RATE: one job, into precopy-runs/TAG.MODE.MIB.RATE.{out,err}
# (TAG hot: the hot writer).
run_case() {
    local base=$runs/$1.$2.$3.$4 m=$moves w=$writer
    [ "$3" -lt 1024 ] || m=$big
    [ "$1" != hot ] || w=hot
    echo "== $1 $2: ${3} MiB, ${4}% per 10 ms, $m moves" >&2
    env NMPI_MIGRATION_MODE="$2" nice -n 0 timeout -k 10 "$tmo" "$top_builddir/tools/mpiexec" \
        -n 2 --spares 1 "$out/precopy" -m "$m" -s "$settle" -w "$w" "$3" "$4" \
        </dev/null >"$base.out" 2>"$base.err" ||
        echo "run-precopy: $1 $2 $3 MiB $4%: the job failed (status $?, see $base.err)" >&2
}

# has PART: PART (moves, busy, npb) is in PRECOPY_PARTS.
has() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
if [ "$replot" = 1 ] || ! has moves; then
    # shellcheck disable=SC1091 # written by the run below
    . "$runs/load" || die "no earlier run to replot or complete ($runs/load)"
fi
if [ "$replot" != 1 ]; then
    "$top_builddir/tools/mpicc" -O2 -o "$out/precopy" "$top_srcdir/bench/precopy.c" ||
        die "cannot build bench/precopy"
fi
if [ "$replot" != 1 ] && has moves; then
    rm -f "$runs"/quiet.* "$runs"/hot.*
    load0=$(cut -d' ' -f1-3 /proc/loadavg) when=$(date -u +%Y-%m-%dT%H:%MZ)
    # Post-copy: built when the library takes NMPI_MIGRATION_MODE=postcopy.
    env NMPI_MIGRATION_MODE=postcopy timeout 120 "$top_builddir/tools/mpiexec" -n 2 --spares 1 \
        "$out/precopy" -m 1 -s 100 16 0 </dev/null >"$runs/postcopy-probe.out" 2>"$runs/postcopy-probe.err"
    postcopy=$(grep -m1 'postcopy.*not' "$runs/postcopy-probe.err" | sed 's/^nanvix-mpi: //')
    if grep -q 'rank 1 moved' "$runs/postcopy-probe.err" && [ -z "$postcopy" ]; then
        modes="$modes postcopy" postcopy=""
    fi
    printf 'load0="%s" when="%s" postcopy="%s" modes="%s"\n' "$load0" "$when" "$postcopy" "$modes" >"$runs/load"
    for s in $sizes; do
        for r in $rates; do
            for m in $modes; do run_case quiet "$m" "$s" "$r"; done
        done
    done
    # The hot writer: the same 1% of the pages every step.
    [ "$hot_mib" = 0 ] || for m in $modes; do run_case hot "$m" "$hot_mib" 1; done
    load1=$(cut -d' ' -f1-3 /proc/loadavg)
    printf 'load1="%s"\n' "$load1" >>"$runs/load"
fi
if [ "$replot" != 1 ] && has busy; then
    # 3. Oversubscribed: burners on the cores while the 256 MiB 1% case runs.
    rm -f "$runs"/busy.*
    for i in $(seq "$burners"); do
        nice -n 0 bash -c 'while :; do :; done' &
        pids="$pids $!"
    done
    for m in $modes; do run_case busy "$m" "$busy_mib" 1; done
    loadb=$(cut -d' ' -f1-3 /proc/loadavg) # the burners' load shows in the 1-minute average by now
    stop_burners
    printf 'loadb="%s"\n' "$loadb" >>"$runs/load"
fi
if [ "$replot" != 1 ] && has npb; then
    # 4. NPB: without a move and moved once in each mode. The cluster a
    # rank leaves keeps its pages here (the library's default): with
    # NMPI_MIGRATE_KEEP_PAGES=0 a moved run was seen to lose far more than
    # its move (CG A: 1.4-1.8 s unmoved, 2.0-3.0 s moved, for a 5 ms move).
    rm -f "$runs"/npb.*
    for k in $kernels; do
        [ -x "$top_builddir/examples/npb/$k" ] || die "examples/npb/$k missing (make first)"
    done
    middle() {
        case $1 in cg) echo 8 ;; mg) echo 2 ;; ft) echo 3 ;; is) echo 5 ;; *) echo 1 ;; esac
    }
    for cls in $classes; do
        for k in $kernels; do
            for i in $(seq "$reps"); do
                for m in none $modes; do
                    base=$runs/npb.$k.$cls.$m.$i
                    echo "== NPB $k $cls $m run $i" >&2
                    if [ "$m" = none ]; then
                        env -u NMPI_MIGRATE_KEEP_PAGES nice -n 0 timeout -k 10 "$tmo" \
                            "$top_builddir/tools/mpiexec" -n 2 --spares 1 "$top_builddir/examples/npb/$k" \
                            "$cls" </dev/null >"$base.out" 2>&1
                    else
                        env -u NMPI_MIGRATE_KEEP_PAGES NMPI_MIGRATION_MODE="$m" nice -n 0 timeout -k 10 "$tmo" \
                            "$top_builddir/tools/mpiexec" -n 2 --spares 1 "$top_builddir/examples/npb/$k" \
                            "$cls" --migrate "1@$(middle "$k")" </dev/null >"$base.out" 2>&1
                    fi || echo "run-precopy: NPB $k $cls $m run $i failed" >&2
                done
            done
        done
    done
fi
if [ "$replot" != 1 ]; then
    load2=$(cut -d' ' -f1-3 /proc/loadavg)
    printf 'load2="%s"\n' "$load2" >>"$runs/load"
fi
: "${load1:=?}" "${loadb:=?}" "${load2:=?}"

# ---- 1. one line per move -------------------------------------------------------
# precopy.dat: tag mode MiB rate achieved% downtime_ms total_ms sent final
# rounds container ratio, from a run's move lines (stdout) joined in order
# with its report lines (stderr).
: >"$dat"
for f in "$runs"/quiet.*.out "$runs"/hot.*.out "$runs"/busy.*.out; do
    [ -e "$f" ] || continue
    b=$(basename "$f" .out)
    IFS=. read -r tag mode mib rate <<<"$b"
    awk -v tag="$tag" -v mode="$mode" -v mib="$mib" -v rate="$rate" -v errf="${f%.out}.err" '
        function field(name,    i) { for (i = 1; i < NF; i++) if ($i == name) return $(i + 1) + 0; return "" }
        FILENAME == errf && / rmig: rank 1 moved / {
            n++
            d[n] = field("downtime"); fr = field("freeze"); u = field("update")
            tt[n] = field("total"); if (tt[n] == "") tt[n] = fr + d[n] + u
            for (i = 1; i < NF; i++) if ($(i + 1) ~ /^bytes;/) { fin[n] = $i; break }
            rb[n] = 0; r0[n] = 0; ro[n] = 0
            if (match($0, /precopy [0-9]+ rounds, [0-9]+ bytes \([0-9 ]+\)/)) {
                split(substr($0, RSTART, RLENGTH), w, /[ (),]+/)
                ro[n] = w[2]; rb[n] = w[4]; r0[n] = w[6]
            }
        }
        # post-copy: the p-th "post-copy from cluster" line follows the p-th
        # move (the next move waits for every page): pages that came after
        # the resume, pulled on demand or pushed in the background
        FILENAME == errf && / rank 1 post-copy from cluster / {
            p++
            for (i = 2; i < NF; i++) {
                if ($i == "ms" && $(i + 1) == "after") ap[p] = $(i - 1) + 0
                if ($(i + 1) == "pulled") pl[p] = $i + 0
                if ($(i + 1) == "pushed,") pu[p] = $i + 0
                if ($(i + 1) == "pages,") pg[p] = $i + 0
            }
            if ($0 ~ /NOT all present/) ap[p] = -1
        }
        FILENAME != errf && $1 == "move" {
            k++
            if (!(k in d)) { printf "run-precopy: %s.%s.%s.%s: move %d has no report\n", tag, mode, mib, rate, k > "/dev/stderr"; next }
            c = r0[k] > 0 ? r0[k] : fin[k]
            lazy = 0
            if (mode == "postcopy") {
                # the total runs until the last page is here (-1: the job
                # ended first, unknown); the container: first pages + the rest
                lazy = (pl[k] + pu[k]) * 4096; c = fin[k] + pg[k] * 4096
                tt[k] = !(k in ap) || ap[k] < 0 ? -1 : tt[k] + ap[k]
            }
            printf "%s %s %s %s %s %.3f %.3f %.0f %.0f %d %.0f %.3f %d %d\n", tag, mode, mib, rate, $5, d[k], tt[k],
                fin[k] + rb[k] + lazy, fin[k], ro[k], c, (fin[k] + rb[k] + lazy) / c, pl[k] + 0, pu[k] + 0
        }' "${f%.out}.err" "$f" >>"$dat"
done

# ---- 2. the table ------------------------------------------------------------------
table() {
    awk -v sizes="$sizes" -v rates="$rates" -v modes="$1" -v tag="$2" '
        function sort(key,    n, i, j, v) {
            n = cnt[key]
            for (i = 1; i <= n; i++) s[i] = val[key, i]
            for (i = 2; i <= n; i++) { v = s[i]; for (j = i - 1; j >= 1 && s[j] > v; j--) s[j + 1] = s[j]; s[j + 1] = v }
            return n
        }
        function med(key,    n) { n = sort(key); return n == 0 ? 0 : n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2 }
        function lo(key) { sort(key); return s[1] }
        function hi(key) { return s[sort(key)] }
        function add(key, v) { val[key, ++cnt[key]] = v }
        $1 == tag {
            k = $2 SUBSEP $3 SUBSEP $4
            add(k "a", $5); add(k "d", $6); add(k "s", $8); add(k "f", $9); add(k "r", $10); add(k "x", $12)
            if ($7 >= 0) add(k "t", $7) # a post-copy whose job ended before its last page: no total
            add(k "p", $13 * 4096 / 1048576)
        }
        END {
            ns = split(sizes, S, " "); nr = split(rates, R, " "); nm = split(modes, M, " ")
            for (i = 1; i <= ns; i++) for (j = 1; j <= nr; j++) for (m = 1; m <= nm; m++) {
                k = M[m] SUBSEP S[i] SUBSEP R[j]
                if (!cnt[k "d"]) continue
                printf "%-8s %5s %4s%% %6.2f%% %2d %8.1f [%7.1f %7.1f] %8.1f [%7.1f %7.1f] %9.1f %8.2f %3d %5.2f [%4.2f] %8.1f\n",
                    M[m], (S[i] >= 1024 ? S[i] / 1024 "G" : S[i] "M"), R[j], med(k "a"), cnt[k "d"],
                    med(k "d"), lo(k "d"), hi(k "d"), med(k "t"), lo(k "t"), hi(k "t"),
                    med(k "s") / 1048576, med(k "f") / 1048576, med(k "r"), med(k "x"), hi(k "x"), med(k "p")
            }
        }' "$dat"
}
header() {
    printf "%-8s %5s %5s %7s %2s %26s %26s %9s %8s %3s %12s %8s\n" mode heap rate managed n \
        "downtime ms" "total ms" "sent MiB" "final" rnd "sent/cont [max]" "pulled"
}
{
    echo "pre-copy against stop-and-copy: a rank writing its heap while it moves to a spare, one host, $when on $(hostname), $(nproc) cores"
    echo "load average (other jobs share the machine): $load0 at the start, $load1 after the quiet cases, $loadb with the burners, $load2 at the end"
    echo "rank 1 of 2 rewrites RATE% of its heap per 10 ms (writer $writer), rank 0 moves it to any spare $moves times (1 GiB: $big) ${settle} ms after it starts writing;"
    echo "the heap checked bit for bit after every move; a cluster drops its pages when its rank leaves (NMPI_MIGRATE_KEEP_PAGES=0)"
    echo "median [min max] over the moves; managed: the rate the rank achieved (median); total: asked to announced; sent: rounds + final round;"
    echo "final: bytes of the final (frozen) round; rnd: rounds sent while running; sent/cont: sent over the container's touched pages [worst move]"
    echo "post-copy: final is what was sent frozen (header, stack, globals); total runs until the last heap page is at the destination;"
    echo "pulled: MiB the rank pulled on demand (its faults and the buffers it handed to MPI), the rest pushed in the background"
    echo
    header
    table "$modes" quiet
    if grep -q '^hot ' "$dat"; then
        echo "the same with the hot writer (every step rewrites the same 1% of the pages: the dirty set between two rounds stays at 1%)"
        table "$modes" hot
    fi
    if [ -n "$postcopy" ]; then
        echo "postcopy   (every case)  not built: the library says \"$postcopy\"; no figure"
    fi
} >"$txt"

# The bars, on the medians of the 1 GiB 1% case and on every pre-copy move.
bar() {
    awk -v mode="$1" -v mib="$2" -v rate="$3" -v tag="${4:-quiet}" '$1 == tag && $2 == mode && $3 == mib && $4 == rate { v[++n] = $6 }
        END { if (!n) { print "-"; exit } for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
              printf "%.1f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }' "$dat"
}
pd=$(bar precopy 1024 1) sd=$(bar stop 1024 1) hpd=$(bar precopy 1024 1 hot) hsd=$(bar stop 1024 1 hot)
qd=$(bar postcopy 1024 1) hqd=$(bar postcopy 1024 1 hot)
worst=$(awk '$1 == "quiet" && $2 == "precopy" { n++; if ($12 > w) { w = $12; c = $3 " MiB " $4 "%" } }
    END { if (n) printf "%.2f %d %s", w, n, c; else print "- 0 -" }' "$dat")
holds() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "-") print "NOT MEASURED"; else if (op == "<" ? a + 0 < b : a + 0 > b) print "holds"; else print "does NOT hold" }'; }
{
    echo
    echo "bar: with pre-copy a 1 GiB rank writing 1% per 10 ms moves with a downtime under 10 ms: median ${pd} ms: $(holds "$pd" "<" 10)"
    echo "     (stop-and-copy: over 200 ms): median ${sd} ms: $(holds "$sd" ">" 200)"
    if [ "$hpd" != - ]; then
        echo "     the same with the hot writer: pre-copy median ${hpd} ms: $(holds "$hpd" "<" 10); stop-and-copy median ${hsd} ms: $(holds "$hsd" ">" 200)"
    fi
    if [ "$qd" != - ]; then
        echo "     with post-copy: median ${qd} ms: $(holds "$qd" "<" 10)$([ "$hqd" = - ] || echo "; hot writer ${hqd} ms: $(holds "$hqd" "<" 10)")"
    fi
    rr=$(grep -h ' rmig: rank 1 moved ' "$runs/quiet.precopy.1024.1.err" 2>/dev/null | awk '
        { for (i = 1; i < NF; i++) if ($i == "freeze") f = $(i + 1)
          if (match($0, /precopy [0-9]+ rounds, [0-9]+ bytes/)) { split(substr($0, RSTART, RLENGTH), w, " "); v[++n] = w[4] / 1048576 / (f / 1e3) } }
        END { if (!n) { print "-"; exit } for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
              printf "%.0f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }')
    echo "     (the moving writer's sweep rewrites every page of the heap once per 100/RATE steps: at 1% per 10 ms that is the whole"
    echo "     heap each second, 1024 MiB/s of pages not yet sent for a 1 GiB heap, while the rounds sent ${rr} MiB/s here (median, the rounds'"
    echo "     bytes over the time from the ask to the freeze): no round can shrink the dirty set below what the sweep writes while it"
    echo "     is sent, and pre-copy ends in a stop-and-copy of what is left; the hot writer's dirty set stays at 1% of the heap)"
    read -r w wn wc <<<"$worst"
    echo "bar: total bytes sent by pre-copy no more than 2x the container: worst of $wn pre-copy moves ${w}x ($wc): $(holds "$w" "<" 2.0001)"
} >>"$txt"

# ---- 3. oversubscribed --------------------------------------------------------------
{
    echo
    echo "4x oversubscription: the $busy_mib MiB 1% case with $burners busy-loop processes on the $(nproc) cores (load average at the end of these runs: $loadb)"
    header
    table "$modes" busy
    for m in $modes; do
        awk -v m="$m" -v mib="$busy_mib" '$2 == m && $3 == mib && $4 == 1 { v[$1, ++n[$1]] = $6 }
            function med(t,    i, j, x, k) { k = n[t]; for (i = 1; i <= k; i++) s[i] = v[t, i]
                for (i = 2; i <= k; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
                return k % 2 ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2 }
            END { if (n["quiet"] && n["busy"]) { q = med("quiet"); b = med("busy")
                    printf "bar: %s under 4x oversubscription costs no more than 3x its quiet downtime: %.1f ms against %.1f ms, %.1fx: %s\n",
                        m, b, q, b / q, b <= 3 * q ? "holds" : "does NOT hold" } }' "$dat"
    done
} >>"$txt"

# ---- 4. NPB -------------------------------------------------------------------------
if ls "$runs"/npb.*.out >/dev/null 2>&1; then
    {
        echo
        echo "NPB class $classes, 2 ranks and a spare, rank 1 moved once mid-run (MPI_Migrateto), $reps runs each, medians;"
        echo "the cluster a rank leaves keeps its pages here (the default: NMPI_MIGRATE_KEEP_PAGES unset, unlike the moves above)"
        echo "(lost: the median run time against the median without a move, which the machine's load makes noisy;"
        echo " move share: the move's own time, asked to announced, over the run time, as the kernel prints it;"
        echo " beyond: lost - move share, the time a moved run lost outside its move)"
        printf "%-3s %-3s %-8s %9s %8s %11s %11s %8s %11s %6s %s\n" npb cls mode "time s" lost "move s" "move share" beyond "downtime s" "rounds" verified
        for cls in $classes; do
            for k in $kernels; do
                base=$(cat "$runs/npb.$k.$cls".none.*.out 2>/dev/null | sed -n 's/^ Time in seconds = *//p' |
                    sort -g | awk '{ v[++n] = $1 } END { if (n) print n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }')
                for m in none $modes; do
                    cat "$runs/npb.$k.$cls.$m".*.out 2>/dev/null | awk -v k="$k" -v cls="$cls" -v m="$m" -v base="$base" '
                        function med(a, n,    i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
                            return n == 0 ? "-" : n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
                        /^ Time in seconds = / { t[++nt] = $5 }
                        /^ Verification = SUCCESSFUL/ { ok++ }
                        /^ Migration time = / { mt[++nm] = $4; sh[nm] = substr($6, 2) + 0; dt[nm] = $(NF - 1) + 0 }
                        / rmig: rank 1 moved / { r = 0; if (match($0, /precopy [0-9]+ rounds/)) r = substr($0, RSTART + 8, RLENGTH - 15) + 0; ro[++nr] = r }
                        END {
                            tm = med(t, nt)
                            ms = med(sh, nm)
                            lost = beyond = "-"
                            if (m != "none" && base != "" && tm != "-") {
                                lost = sprintf("%.1f%%", 100 * (tm - base) / base)
                                if (ms != "-") beyond = sprintf("%.1f%%", 100 * (tm - base) / base - ms)
                            }
                            printf "%-3s %-3s %-8s %9s %8s %11s %11s %8s %11s %6s %d/%d\n", k, cls, m, tm, lost, (m == "none" ? "-" : med(mt, nm)),
                                (m == "none" ? "-" : ms "%"), beyond, (m == "none" ? "-" : med(dt, nm)), (m == "none" ? "-" : med(ro, nr)), ok, nt }'
                done
            done
        done
    } >>"$txt"
fi

# ---- 5. the timeline ------------------------------------------------------------------
# For the 1 GiB 1% case of each mode (and of each mode but stop with the
# hot writer), the move with the median downtime; a panel's key is
# TAG.MODE.
tl=$out/precopy-timeline.dat
gp=$out/precopy-timeline.gp
: >"$tl"
panels=""
keys=""
for m in $modes; do keys="$keys quiet.$m"; done
for m in $modes; do [ "$m" = stop ] || keys="$keys hot.$m"; done
for m in $keys; do
    err=$runs/$m.$tl_mib.1.err
    [ -s "$err" ] || continue
    grep -e ' rmig: rank 1 moved ' -e ' rank 1 post-copy from cluster ' "$err" | awk -v m="$m" -v tl="$tl" '
        function field(name,    i) { for (i = 1; i < NF; i++) if ($i == name) return $(i + 1) + 0; return "" }
        / post-copy from cluster / { pc[++np] = $0; next }
        { n++; line[n] = $0; d[n] = field("downtime"); o[n] = n }
        END {
            if (!n) exit
            for (i = 2; i <= n; i++) { x = o[i]; for (j = i - 1; j >= 1 && d[o[j]] > d[x]; j--) o[j + 1] = o[j]; o[j + 1] = x }
            med = o[int((n + 1) / 2)]
            $0 = line[med]
            fr = field("freeze"); dn = field("downtime"); u = field("update"); tot = field("total")
            if (tot == "") tot = fr + dn + u
            for (i = 1; i < NF; i++) if ($(i + 1) ~ /^bytes;/) { fin = $i; break }
            nr = 0; rb = 0; nt = 0
            # "bytes (" is 7 characters, "), round ms" 11
            if (match($0, /bytes \([0-9 ]+\), round ms/))
                nr = split(substr($0, RSTART + 7, RLENGTH - 18), b, " ")
            else if (match($0, /\([0-9 ]+\), total/))
                nr = split(substr($0, RSTART + 1, RLENGTH - 9), b, " ")
            for (i = 1; i <= nr; i++) rb += b[i]
            # each round: its own time in ms
            if (match($0, /round ms \([0-9. ]+\)/))
                nt = split(substr($0, RSTART + 10, RLENGTH - 11), tm, " ")
            # mode kind start_ms end_ms MiB label
            t = 0
            for (i = 1; i <= nr; i++) {
                w = nt == nr ? tm[i] : fr * b[i] / rb
                printf "%s round %.3f %.3f %.3f %d\n", m, t, t + w, b[i] / 1048576, i - 1 >> tl
                t += w
            }
            if (!nr) printf "%s wait 0 %.3f 0 -\n", m, fr >> tl
            printf "%s pause %.3f %.3f %.3f %.3f\n", m, fr, fr + dn, fin / 1048576, dn >> tl
            if ((med in pc) && pc[med] !~ /NOT all present/) {
                # post-copy: from the resume to the last page, pulled on
                # demand and pushed in the background
                $0 = pc[med]
                for (i = 2; i < NF; i++) {
                    if ($i == "ms" && $(i + 1) == "after") ap = $(i - 1)
                    if ($(i + 1) == "pulled") pl = $i
                    if ($(i + 1) == "pushed,") pu = $i
                }
                st = fr + dn + u
                printf "%s pull %.3f %.3f %.3f %d\n", m, st, st + ap, pl * 4096 / 1048576, pl >> tl
                printf "%s push %.3f %.3f %.3f %d\n", m, st, st + ap, pu * 4096 / 1048576, pu >> tl
                tot = st + ap
            }
            printf "%s end %.3f %.3f 0 %.3f\n", m, tot, tot, tot >> tl
        }'
    grep -q "^$m " "$tl" && panels="$panels $m"
done
if [ -n "$panels" ]; then
    xmax=$(awk '$2 == "end" && $3 > x { x = $3 } END { print x * 1.08 }' "$tl")
    np=$(echo "$panels" | wc -w)
    {
        echo "# gnuplot script written by bench/run-precopy.sh"
        echo "set terminal pngcairo size 1200,$((360 * np + 40))"
        echo "set output '$out/precopy-timeline.png'"
        echo "set multiplot layout $np,1 title 'one move of a $tl_mib MiB rank writing 1% of its heap per 10 ms (the move with the median downtime; $when, load $load0)' font ',11'"
        echo "set logscale y"
        echo "set yrange [0.05:30000]"
        echo "set xrange [0:$xmax]"
        echo "set ylabel 'MiB sent'"
        echo "set xlabel 'ms since the move was asked'"
        echo "set grid"
        echo "set key inside top center horizontal font ',9'"
        echo "set style fill solid 0.5 border -1"
        for m in $panels; do
            read -r pst pen pmib pdn < <(awk -v m="$m" '$1 == m && $2 == "pause" { print $3, $4, $5, $6 }' "$tl")
            tot=$(awk -v m="$m" '$1 == m && $2 == "end" { print $3 }' "$tl")
            nr=$(awk -v m="$m" '$1 == m && $2 == "round" { n++ } END { print n + 0 }' "$tl")
            case $m in
            hot.*) name="${m#hot.}, hot writer" ;;
            *) name="${m#quiet.}, $writer writer" ;;
            esac
            if grep -q "^$m pull " "$tl"; then
                echo "set title '$name: the pause (first pages only), then the heap pulled on demand and pushed in the background until the last page is there' font ',10'"
            elif [ "$nr" -gt 0 ]; then
                echo "set title '$name: $nr rounds while the rank runs (their own times from the report; older runs: the $pst ms to the freeze split by bytes), then the pause' font ',10'"
            else
                echo "set title '$name: the rank runs until its safe point ($pst ms), then the pause: every page sent while it is frozen' font ',10'"
            fi
            echo "unset object; unset label; unset arrow"
            echo "set object 1 rect from $pst, graph 0 to $pen, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind"
            echo "set arrow 1 from $pst, graph 0 to $pst, graph 1 nohead lc rgb '#d62728' lw 2"
            echo "set arrow 2 from $tot, graph 0 to $tot, graph 1 nohead lc rgb 'black' dt 2"
            if awk -v p="$pst" -v x="$xmax" 'BEGIN { exit !(p > 0.6 * x) }'; then side="right offset -0.5,0"; else side="offset 0.5,0"; fi
            echo "set label 1 sprintf('pause %.1f ms, %.2f MiB', $pdn, $pmib) at $pst, graph 0.78 $side tc rgb '#d62728' font ',10'"
            if awk -v t="$tot" -v x="$xmax" 'BEGIN { exit !(t > 0.3 * x) }'; then tside="right offset -0.5,0"; else tside="offset 0.5,0"; fi
            what=announced
            grep -q "^$m pull " "$tl" && what="last page here"
            echo "set label 2 sprintf('$what: %.0f ms', $tot) at $tot, graph 0.68 $tside font ',9'"
            echo "plot '$tl' using (strcol(1) eq '$m' && strcol(2) eq 'round' ? (\$3 + \$4) / 2 : 1/0):5:(\$4 - \$3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \\"
            echo "     '' using (strcol(1) eq '$m' && strcol(2) eq 'pause' ? (\$3 + \$4) / 2 : 1/0):5:(\$4 - \$3 > $xmax / 400 ? \$4 - \$3 : $xmax / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \\"
            echo "     '' using (strcol(1) eq '$m' && strcol(2) eq 'round' ? (\$3 + \$4) / 2 : 1/0):5:(sprintf('r%d', \$6)) with labels offset 0,0.7 font ',8' notitle, \\"
            echo "     '' using (strcol(1) eq '$m' && strcol(2) eq 'push' ? (\$3 + \$4) / 2 : 1/0):5:(\$4 - \$3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \\"
            echo "     '' using (strcol(1) eq '$m' && strcol(2) eq 'pull' ? (\$3 + \$4) / 2 : 1/0):5:(\$4 - \$3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'"
        done
        echo "unset multiplot"
    } >"$gp"
    if command -v gnuplot >/dev/null; then
        gnuplot "$gp" && echo "timeline plot: $out/precopy-timeline.png (each round's time from the report line's round ms; a report without them: split in proportion to bytes)" >>"$txt"
    else
        echo "timeline plot: gnuplot is not installed; run gnuplot $gp" >>"$txt"
    fi
fi
cat "$txt"
