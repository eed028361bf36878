#!/bin/bash
# run-migration-modes.sh: live migration against migration through a
# checkpoint file, side by side, with each mode's fitted cost line and its
# prediction error on NPB moves it was not fitted on (issue 14, benchmark).
#
# 1. For every mode of MIGRATION_MODES (default "live checkpoint-tmpfs
#    checkpoint-disk live-warm"): bench/migration.c, built with our mpicc,
#    one rank and one spare, moves away and back for each heap of
#    MIGRATION_SIZES (default 1M 16M 256M 1G), checking its heap after every
#    move. live: the default stream. checkpoint-tmpfs and checkpoint-disk:
#    NMPI_MIGRATION_MODE=checkpoint with NMPI_MIGRATION_DIR on tmpfs
#    (MIGRATION_TMPFS_DIR, default /dev/shm) or on the disk
#    (MIGRATION_DISK_DIR, default bench/ckpt-disk in the build tree). These
#    three make cold moves, MIGRATION_MOVES per size (default 5; 1 GiB and
#    more: MIGRATION_MOVES_BIG, default 4): the rank waits MIGRATION_WAIT
#    seconds (default 3) before each move and a cluster drops its pages
#    when its rank leaves (NMPI_MIGRATE_KEEP_PAGES=0), so every destination
#    faults in memory that the VM's balloon driver has given back to the
#    host by then (free page reporting: 2 s after the free), which is what
#    a move into a spare that waited pays, e.g. an NPB rank's: on the 2-core
#    development VM such a move costs 2 to 5 ms/MiB where a back-to-back
#    move costs 0.25. live-warm: those back-to-back moves between two
#    clusters that keep their pages (MIGRATION_WARM_MOVES, default 8;
#    MIGRATION_WARM_MOVES_BIG, 6), without the first round trip of each size,
#    as make bench-migration measures them: for comparison. A directory
#    without room for the largest image skips the sizes that do not fit, and
#    says so. A build without the checkpoint mode (its move reports never
#    say "stream checkpoint") skips the mode and says so: nothing is faked.
#    Table per mode and size: bytes sent, bytes of the image file, median
#    downtime and total (freeze + downtime + route update) with their
#    spread (min and max).
# 2. Per mode, bench/model-fit.awk's lines cost = a + b * bytes (downtime and
#    total, least squares weighted by 1 / max(measured, 10 ms)^2: the inverse
#    square of the target's tolerance, 10% or 1 ms; R^2). The model file the
#    library reads (rank-migrate/rmig_model.h, format 1) gets path local from
#    mode live (cold) and path checkpoint from MIGRATION_CHECKPOINT_FIT (default:
#    the mode whose directory is on the same kind of filesystem as the
#    library's default NMPI_MIGRATION_DIR, see below); the installed model's
#    hosts lines are kept (make bench-migration-hosts). Written to
#    bench/migration-modes-model, installed like make bench-migration does
#    (MIGRATION_MODEL_INSTALL=0: not installed).
# 3. Prediction error on moves not in the fit: the NPB kernels NPB_KERNELS
#    (default "cg mg ft"), classes NPB_CLASSES (default "W A"), 2 ranks and
#    a spare, rank 1 moved half-way through the timed loop, in every mode,
#    with a model file of that mode's own fit (bench/migration-modes-model.
#    <mode>: path checkpoint from a checkpoint mode, path local from live or
#    live-warm). The kernel prints the library's
#    prediction made just before the move (MPIX_Migration_estimate_detail)
#    and the move's report (NMPI_MIGRATION_REPORT) its measured figures.
#    Target: every prediction within 10% or 1 ms of the measured figure,
#    whichever is larger.
# 4. bench/migration-modes.png (gnuplot): downtime and total against the
#    container's bytes, every mode, the moves fitted and the fitted lines.
# Outputs in bench/: migration-modes.txt (all tables), migration-modes-<mode>.
# {out,err} (raw runs), migration-modes.dat (points), migration-modes.gp,
# migration-modes-npb/ (NPB outputs).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
modes=${MIGRATION_MODES:-live checkpoint-tmpfs checkpoint-disk live-warm}
sizes=${MIGRATION_SIZES:-1M 16M 256M 1G}
moves=${MIGRATION_MOVES:-5}
big=${MIGRATION_MOVES_BIG:-4}
wait=${MIGRATION_WAIT:-3}
wmoves=${MIGRATION_WARM_MOVES:-8}
wbig=${MIGRATION_WARM_MOVES_BIG:-6}
tmpfs_root=${MIGRATION_TMPFS_DIR:-/dev/shm}
disk_root=${MIGRATION_DISK_DIR:-$top_builddir/bench/ckpt-disk}
kernels=${NPB_KERNELS:-cg mg ft}
classes=${NPB_CLASSES:-W A}
tmo=${NPB_TIMEOUT:-600}
out=$top_builddir/bench
txt=$out/migration-modes.txt
libs=$top_builddir/.libs
mkdir -p "$out" "$out/migration-modes-npb"
die() {
    echo "run-migration-modes: $*" >&2
    exit 1
}
"$top_builddir/tools/mpicc" -O2 -o "$out/migration" "$top_srcdir/bench/migration.c" ||
    die "cannot build bench/migration"
for k in $kernels; do
    [ -x "$top_builddir/examples/npb/$k" ] || die "examples/npb/$k missing (make first)"
done
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export NMPI_MIGRATE_TIMEOUT=${NMPI_MIGRATE_TIMEOUT:-120}

# bytes SIZE: a size of bench/migration.c (K, M, G: binary) in bytes.
bytes() {
    awk -v s="$1" 'BEGIN { m = 1; u = substr(s, length(s)); if (u ~ /[kK]/) m = 1024
        else if (u ~ /[mM]/) m = 1048576; else if (u ~ /[gG]/) m = 1073741824
        printf "%.0f", (m > 1 ? substr(s, 1, length(s) - 1) : s) * m }'
}

# mode_dir MODE: the image directory of a checkpoint mode ("" for live).
mode_dir() {
    case $1 in
    live | live-warm) echo "" ;;
    checkpoint-tmpfs) echo "$tmpfs_root/nmpi-bench-modes.$$" ;;
    checkpoint-disk) echo "$disk_root/nmpi-bench-modes.$$" ;;
    *) die "unknown mode '$1' (modes: live checkpoint-tmpfs checkpoint-disk live-warm)" ;;
    esac
}

# mode_env MODE DIR: the environment words of a run in MODE. Cold modes
# drop a cluster's pages when its rank leaves (NMPI_MIGRATE_KEEP_PAGES=0).
mode_env() {
    case $1 in
    live) echo "NMPI_MIGRATION_MODE=live NMPI_MIGRATE_KEEP_PAGES=0" ;;
    live-warm) echo "NMPI_MIGRATION_MODE=live" ;;
    *) echo "NMPI_MIGRATION_MODE=checkpoint NMPI_MIGRATION_DIR=$2 NMPI_MIGRATE_KEEP_PAGES=0" ;;
    esac
}

# mode_args MODE: bench/migration.c's arguments (cold: a wait before each
# move); mode_skip MODE: the moves model-fit.awk leaves out per size.
mode_args() {
    if [ "$1" = live-warm ]; then
        echo "-l 0 -m $wmoves -M $wbig"
    else
        echo "-l 0 -m $moves -M $big -w $wait"
    fi
}
mode_skip() {
    if [ "$1" = live-warm ]; then echo 2; else echo 0; fi
}

# fits_sizes MODE DIR: the sizes whose image fits in DIR, now (an image is
# the container: about the heap plus 2 MiB; the one being written and the
# one being read may exist together, and tmpfs pages are RAM beside the
# rank's own two copies, so 2 images + 256 MiB of slack must be free).
fits_sizes() {
    local mode=$1 dir=$2 avail s b kept=""
    if [ -z "$dir" ]; then
        echo "$sizes"
        return
    fi
    avail=$(($(df -Pk "$dir" | awk 'NR == 2 { print $4 }') * 1024))
    for s in $sizes; do
        b=$(bytes "$s")
        if [ $((2 * (b + 2097152) + 268435456)) -le "$avail" ]; then
            kept="$kept $s"
        else
            echo "mode $mode: heap $s skipped: $dir has $((avail / 1048576)) MiB free, 2 images of it need $((2 * (b + 2097152) / 1048576 + 256)) MiB" >>"$txt.skipped"
        fi
    done
    echo "$kept"
}

# run_mode MODE: bench/migration.c's moves in MODE, into
# bench/migration-modes-MODE.{out,err}. Returns 1 when no size fits.
run_mode() {
    local mode=$1 dir msizes rc
    dir=$(mode_dir "$mode")
    if [ -n "$dir" ]; then
        mkdir -p "$dir" || die "cannot make $dir"
    fi
    msizes=$(fits_sizes "$mode" "$dir")
    if [ -z "${msizes// /}" ]; then
        echo "mode $mode: skipped, no heap size fits in $dir" >>"$txt.skipped"
        return 1
    fi
    # shellcheck disable=SC2086 # word lists
    echo "== $mode: $(mode_env "$mode" "$dir") tools/mpiexec -n 1 --spares 1 migration $(mode_args "$mode") $msizes" >&2
    # shellcheck disable=SC2046,SC2086
    env NMPI_MIGRATION_REPORT=1 $(mode_env "$mode" "$dir") nice timeout 1200 \
        "$top_builddir/tools/mpiexec" -n 1 --spares 1 "$out/migration" $(mode_args "$mode") \
        $msizes >"$out/migration-modes-$mode.out" 2>"$out/migration-modes-$mode.err"
    rc=$?
    [ -z "$dir" ] || rm -rf "$dir"
    [ $rc = 0 ] || die "the $mode run failed (status $rc; see $out/migration-modes-$mode.err)"
}

# MIGRATION_REPLOT=1: no run; the tables, fits, model and plot are made
# again from the outputs of the last run (bench/migration-modes-*, and the
# time and load averages it saw, in bench/migration-modes.load).
replot=${MIGRATION_REPLOT:-0}
if [ "$replot" = 1 ]; then
    # shellcheck disable=SC1091 # written by the run below
    . "$out/migration-modes.load" || die "no earlier run to replot ($out/migration-modes.load)"
else
    load0=$(cut -d' ' -f1-3 /proc/loadavg) when=$(date -u +%Y-%m-%dT%H:%MZ)
    printf 'load0="%s" when="%s"\n' "$load0" "$when" >"$out/migration-modes.load"
fi
: >"$txt.skipped"
ran=""
for mode in $modes; do
    if [ "$replot" = 1 ]; then
        [ -s "$out/migration-modes-$mode.out" ] || continue
    else
        run_mode "$mode" || continue
    fi
    # A checkpoint mode counts only when the library says every move went
    # that way (a build without the mode ignores NMPI_MIGRATION_MODE).
    reports=$(grep -c 'rmig: rank 0 moved ' "$out/migration-modes-$mode.err")
    ckpts=$(grep -c 'rmig: rank 0 moved .*stream checkpoint' "$out/migration-modes-$mode.err")
    case $mode in
    checkpoint-*)
        if [ "$ckpts" = 0 ]; then
            echo "mode $mode: skipped, this build has no migration through a checkpoint (its move reports never say checkpoint: NMPI_MIGRATION_MODE is ignored); the moves it made were live" >>"$txt.skipped"
            continue
        fi
        [ "$ckpts" = "$reports" ] || die "mode $mode: only $ckpts of $reports moves went through a checkpoint" ;;
    *) [ "$ckpts" = 0 ] || die "mode $mode: $ckpts moves went through a checkpoint" ;;
    esac
    ran="$ran $mode"
done
[ -n "$ran" ] || die "no mode ran"
[ "${disk_root#"$top_builddir"/bench/}" = "$disk_root" ] || rmdir "$disk_root" 2>/dev/null

# ---- 1. the table -------------------------------------------------------------
# Per move: the stdout "move" lines of bench/migration.c, joined in order
# with the report lines of the same run (bytes written: the report's
# "stream checkpoint: image N bytes" when the mode writes a file).
: >"$out/migration-modes.dat"
{
    echo "migration of one rank to a spare and back on one host, by container heap, $when on $(hostname), $(nproc) cores"
    echo "load average at the start (other jobs share the machine): $load0"
    echo "cold moves (every mode but live-warm): the rank waits ${wait} s before each move and a cluster drops its pages when the rank leaves"
    echo "(NMPI_MIGRATE_KEEP_PAGES=0), so the destination faults in memory the VM's balloon gave back to the host, as a spare that waited does;"
    echo "live-warm: back-to-back moves between two clusters that keep their pages, without the first round trip (make bench-migration's steady moves)"
    echo "times in ms, median [min max]; total = freeze + downtime + route update"
    printf "%-16s %6s %12s %12s %2s %26s %26s %8s %6s\n" mode heap "bytes sent" "written" n "downtime" "total" "ms/MiB" "near"
} >"$txt"
for mode in $ran; do
    awk -v mode="$mode" -v skip="$(mode_skip "$mode")" -v dat="$out/migration-modes.dat" \
        -v errf="$out/migration-modes-$mode.err" '
        function sort(key,    n, i, j, v) {
            n = cnt[key]
            for (i = 1; i <= n; i++) s[i] = val[key, i]
            for (i = 2; i <= n; i++) {
                v = s[i]
                for (j = i - 1; j >= 1 && s[j] > v; j--) s[j + 1] = s[j]
                s[j + 1] = v
            }
            return n
        }
        function median(key,    n) { n = sort(key); return n == 0 ? 0 : n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2 }
        function lo(key) { sort(key); return s[1] }
        function hi(key) { return s[sort(key)] }
        # Moves of a size whose total is within max(10%, 1 ms) of the
        # median of its size: what a perfect predictor of the median scores.
        function near(key,    m, n, i, c, e) {
            m = median(key); n = sort(key)
            for (i = 1; i <= n; i++) { e = s[i] > m ? s[i] - m : m - s[i]; c += e <= (0.1 * m > 1e-3 ? 0.1 * m : 1e-3) }
            nearall += c; nall += n
            return c
        }
        function add(key, v) { val[key, ++cnt[key]] = v }
        FILENAME == errf && / rmig: rank 0 moved / {
            w = "-"
            wt = rd = ""
            if (match($0, /image [0-9]+ bytes/)) w = substr($0, RSTART + 6, RLENGTH - 12)
            if (match($0, /write [0-9.]+ ms/)) wt = substr($0, RSTART + 6, RLENGTH - 9)
            if (match($0, /read [0-9.]+ ms/)) rd = substr($0, RSTART + 5, RLENGTH - 8)
            written[++nw] = w; wtime[nw] = wt; rtime[nw] = rd
        }
        FILENAME != errf && $1 == "move" {
            h = $2; k++
            if (!(h in seen)) { seen[h] = 1; order[++nh] = h }
            if (++moves[h] <= skip) next
            add(h "b", $3); add(h "d", $8); add(h "t", $4 + $8 + $7)
            wr[h] = (k in written) ? written[k] : "-"
            if (wtime[k] != "") { add(h "w", wtime[k]); add(h "r", rtime[k]) }
            printf "%s %d %.6f %.6f\n", mode, $3, $8 * 1e3, ($4 + $8 + $7) * 1e3 >> dat
        }
        END {
            for (i = 1; i <= nh; i++) {
                h = order[i]
                name = h >= 1073741824 ? h / 1073741824 "G" : h >= 1048576 ? h / 1048576 "M" : h
                printf "%-16s %6s %12d %12s %2d %8.3f [%7.3f %7.3f] %8.3f [%7.3f %7.3f] %8.3f %6s\n", mode, name, median(h "b"),
                    wr[h], cnt[h "b"], median(h "d") * 1e3, lo(h "d") * 1e3, hi(h "d") * 1e3,
                    median(h "t") * 1e3, lo(h "t") * 1e3, hi(h "t") * 1e3, median(h "t") * 1e3 / (median(h "b") / 1048576),
                    near(h "t") "/" cnt[h "t"]
                if (cnt[h "w"]) ckpt = ckpt sprintf("%-16s %6s   of the downtime: image written %.3f ms, read %.3f ms (medians)\n", mode, name, median(h "w"), median(h "r"))
            }
            printf "%s", ckpt
            printf "%-16s noise: %d of %d moves have a total within max(10%%, 1 ms) of their size\x27s median\n", mode, nearall, nall
            if (nw && nw != k) printf "run-migration-modes: %s: %d move lines, %d reports\n", mode, k, nw > "/dev/stderr"
        }' "$out/migration-modes-$mode.err" "$out/migration-modes-$mode.out" >>"$txt"
done
cat "$txt.skipped" >>"$txt"
rm -f "$txt.skipped"

# ---- 2. the fits and the model file --------------------------------------------
# Path checkpoint of the installed model: the mode whose directory is on the
# filesystem kind of the default NMPI_MIGRATION_DIR, unless
# MIGRATION_CHECKPOINT_FIT names one: an unconfigured checkpoint move
# writes into the job directory tools/mpiexec makes under NMPI_RUN_DIR
# (default ${XDG_RUNTIME_DIR:-/tmp}/nmpi-<uid>): tmpfs where a login
# session has /run/user/<uid>, the disk under a plain /tmp.
default_dir=${NMPI_RUN_DIR:-${XDG_RUNTIME_DIR:-/tmp}}
default_fs=$(stat -f -c %T "$default_dir" 2>/dev/null)
if [ -n "${MIGRATION_CHECKPOINT_FIT:-}" ]; then
    ckfit=$MIGRATION_CHECKPOINT_FIT
    ckwhy="named by MIGRATION_CHECKPOINT_FIT"
elif [ "$default_fs" = tmpfs ]; then
    ckfit=checkpoint-tmpfs
    ckwhy="the default image directory $default_dir is on tmpfs"
else
    ckfit=checkpoint-disk
    ckwhy="the default image directory $default_dir is on $default_fs, a disk"
fi
echo >>"$txt"
for mode in $ran; do
    awk -v path="$mode" -v skip="$(mode_skip "$mode")" -v floor=0.001 -v model="$out/migration-modes-model.$mode.lines" \
        -f "$top_srcdir/bench/model-fit.awk" "$out/migration-modes-$mode.out" >>"$txt" ||
        die "no fit for mode $mode"
done
dest=${NMPI_MIGRATION_MODEL:-${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model}
# model_file FILE LOCAL_MODE CHECKPOINT_MODE: a model with path local from
# LOCAL_MODE's fit and path checkpoint from CHECKPOINT_MODE's (each when
# that mode ran; CHECKPOINT_MODE may be empty).
model_file() {
    {
        echo "# nanvix-mpi migration cost model, written by make bench-migration-modes (bench/run-migration-modes.sh)."
        echo "# Lines: <path> <downtime|total> <a seconds> <b seconds per byte> <R^2> <points>"
        echo "nanvix-mpi-migration-model 1"
        echo "measured make bench-migration-modes $when on $(hostname) (heaps $sizes; local: $2${3:+, checkpoint: $3})"
        [ ! -f "$out/migration-modes-model.$2.lines" ] ||
            sed "s/^$2 /local /" "$out/migration-modes-model.$2.lines"
        [ -z "$3" ] || [ ! -f "$out/migration-modes-model.$3.lines" ] ||
            sed "s/^$3 /checkpoint /" "$out/migration-modes-model.$3.lines"
    } >"$1"
}
model=$out/migration-modes-model
model_file "$model" live "$ckfit"
# Kept from the installed model: path hosts, and path local when mode live
# did not run (a model may hold any paths, but one without local figures
# predicts nothing for the commonest move).
[ ! -f "$dest" ] || grep -E '^hosts ' "$dest" >>"$model"
lsrc="mode live (cold: what a move into a spare pays)"
case " $ran " in
*" live "*) ;;
*)
    lsrc="none (mode live did not run)"
    [ ! -f "$dest" ] || ! grep -qE '^local ' "$dest" ||
        { grep -E '^local ' "$dest" >>"$model" && lsrc="the installed model $dest (mode live did not run)"; } ;;
esac
if grep -q '^checkpoint ' "$model"; then
    echo "model: path local from $lsrc, path checkpoint from mode $ckfit ($ckwhy): $model" >>"$txt"
else
    echo "model: path local from $lsrc; no path checkpoint (mode $ckfit did not run): $model" >>"$txt"
fi
if ! grep -q '^local ' "$model"; then
    echo "model: not installed: it has no path local (mode live did not run and no model is installed)" >>"$txt"
elif [ "${MIGRATION_MODEL_INSTALL:-1}" != 0 ]; then
    { mkdir -p "$(dirname "$dest")" && cp "$model" "$dest.tmp.$$" && mv "$dest.tmp.$$" "$dest"; } ||
        die "could not install the model at $dest"
    echo "model installed at $dest (NMPI_MIGRATION_MODEL names another file)" >>"$txt"
fi
for mode in $ran; do
    case $mode in
    live | live-warm) model_file "$model.$mode" "$mode" "" ;;
    *) model_file "$model.$mode" live "$mode" ;;
    esac
done

# ---- 3. NPB moves against the model's predictions --------------------------------
middle() {
    case $1 in
    cg) echo 8 ;;
    mg) echo 2 ;;
    ft) echo 3 ;;
    is) echo 5 ;;
    ep) case $2 in W) echo 128 ;; *) echo 1024 ;; esac ;;
    esac
}
npb=$out/migration-modes-npb
if [ "$replot" != 1 ]; then
    load1=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "load1=\"$load1\"" >>"$out/migration-modes.load"
fi
for mode in $ran; do
    [ "$replot" != 1 ] || break
    dir=$(mode_dir "$mode")
    [ -z "$dir" ] || mkdir -p "$dir"
    for cls in $classes; do
        for k in $kernels; do
            base=$npb/$k.$cls.$mode
            echo "== NPB $k $cls, rank 1 moved at iteration $(middle "$k" "$cls"), $mode" >&2
            # shellcheck disable=SC2046
            env NMPI_MIGRATION_REPORT=1 NMPI_MIGRATION_MODEL="$model.$mode" $(mode_env "$mode" "$dir") \
                nice timeout -k 10 "$tmo" "$top_builddir/tools/mpiexec" -n 2 --spares 1 \
                "$top_builddir/examples/npb/$k" "$cls" --migrate "1@$(middle "$k" "$cls")" \
                </dev/null >"$base.out" 2>&1 || echo "run-migration-modes: NPB $k $cls $mode failed" >&2
        done
    done
    [ -z "$dir" ] || rm -rf "$dir"
done
: >"$out/migration-modes-npb.dat"
{
    echo
    echo "load average after the moves: $load1"
    echo "NPB moves (not in the fit): rank 1 of 2 moved to a spare half-way through the timed loop;"
    echo "predicted: the library's MPIX_Migration_estimate_detail just before the move (model: that mode's fit);"
    echo "measured: the move's report; ok: |predicted - measured| <= max(10% of measured, 1 ms)"
    printf "%-3s %-3s %-16s %11s %9s %9s %7s %3s %9s %9s %7s %3s %s\n" cls npb mode bytes \
        "pred down" "meas down" "err" ok "pred tot" "meas tot" "err" ok verified
    for mode in $ran; do
        for cls in $classes; do
            for k in $kernels; do
                awk -v k="$k" -v cls="$cls" -v mode="$mode" -v dat="$out/migration-modes-npb.dat" '
                    function ok(p, m,    e) { e = p > m ? p - m : m - p; return e <= (0.1 * m > 1e-3 ? 0.1 * m : 1e-3) ? "yes" : "NO" }
                    / rmig: rank 1 moved / && !got {
                        got = 1
                        for (i = 1; i <= NF; i++) {
                            if ($i == "freeze") f = $(i + 1) / 1e3
                            if ($i == "update") u = $(i + 1) / 1e3
                            if ($i == "downtime") d = $(i + 1) / 1e3
                            if ($(i + 1) ~ /^bytes/ && $i ~ /^[0-9]+$/ && !b) b = $i
                        }
                    }
                    /^ Migration 1: .*predicted downtime/ {
                        sub(/.*predicted downtime /, ""); pd = $1 + 0; pt = $4 + 0; pred = 1
                    }
                    /^ Verification = SUCCESSFUL/ { v = "yes" }
                    END {
                        if (!got || !pred) {
                            printf "%-3s %-3s %-16s %s\n", cls, k, mode, got ? "no prediction printed" : "no move reported"
                            exit
                        }
                        t = f + d + u
                        printf "%s %d %.6f %.6f\n", mode, b, d * 1e3, t * 1e3 >> dat
                        printf "%-3s %-3s %-16s %11d %9.3f %9.3f %6.1f%% %3s %9.3f %9.3f %6.1f%% %3s %s\n", cls, k, mode, b,
                            pd * 1e3, d * 1e3, 100 * (pd - d) / d, ok(pd, d), pt * 1e3, t * 1e3, 100 * (pt - t) / t,
                            ok(pt, t), v ? v : "NO"
                    }' "$npb/$k.$cls.$mode.out"
            done
        done
    done
} >"$out/migration-modes-npb.txt"
cat "$out/migration-modes-npb.txt" >>"$txt"
awk '$8 == "yes" || $8 == "NO" { n++; d += $8 == "yes"; t += $12 == "yes" }
    END { printf "NPB moves within the target: downtime %d of %d, total %d of %d\n", d, n, t, n }' \
    "$out/migration-modes-npb.txt" >>"$txt"
rm -f "$out/migration-modes-npb.txt"

# ---- 4. the plot -----------------------------------------------------------------
gp=$out/migration-modes.gp
{
    echo "# gnuplot script written by bench/run-migration-modes.sh"
    echo "set terminal pngcairo size 1300,520"
    echo "set output '$out/migration-modes.png'"
    echo "set multiplot layout 1,2"
    echo "set logscale xy"
    echo "set xlabel 'container bytes (MiB)'"
    echo "set ylabel 'ms'"
    echo "set key bottom right font ',9' spacing 0.9"
    echo "set grid"
    echo "set xrange [0.5:2048]"
    echo "set yrange [0.1:*]"
    for col in 3 4; do
        [ $col = 3 ] && { echo "set title 'downtime per move: measured (the moves fitted) and fitted lines'"; kind=downtime; }
        [ $col = 4 ] && { echo "set title 'total per move (freeze + downtime + route update)'"; kind=total; }
        plot="plot"
        i=1
        for mode in $ran; do
            line=$(grep "^$mode $kind " "$out/migration-modes-model.$mode.lines")
            a=$(echo "$line" | awk '{ print $3 * 1e3 }') b=$(echo "$line" | awk '{ print $4 * 1e3 * 1048576 }')
            plot="$plot '$out/migration-modes.dat' using (strcol(1) eq '$mode' ? \$2 / 1048576 : 1/0):$col with points pt $((i + 5)) lc $i title '$mode measured', $a + $b * x with lines lc $i title sprintf('$mode fit: %.3g ms + %.3g ms/MiB', $a, $b), '$out/migration-modes-npb.dat' using (strcol(1) eq '$mode' ? \$2 / 1048576 : 1/0):$col with points pt 2 ps 1.5 lc $i title '$mode NPB moves (not fitted)',"
            i=$((i + 1))
        done
        echo "${plot%,}"
    done
    echo "unset multiplot"
} >"$gp"
if command -v gnuplot >/dev/null; then
    gnuplot "$gp" && echo "plot: $out/migration-modes.png" >>"$txt"
else
    echo "plot: gnuplot is not installed (Debian gnuplot-nox); run gnuplot $gp" >>"$txt"
fi
rm -f "$out"/migration-modes-model.*.lines
cat "$txt"
