#!/bin/bash
# run-migration.sh: migration downtime against container footprint.
#
# Builds bench/migration.c with our mpicc (it calls MPI_Migrateto), runs it
# with one rank and one spare (the rank moves to the spare and back, several
# times per heap size, checking its heap after every move), and prints one
# table: per heap size the bytes sent, the median of each phase over all
# moves (ms), then the "steady" medians of transfer and downtime: without
# the first round trip of each size, in which each cluster writes memory it
# never held before (on a VM whose host hands out and reclaims guest memory
# lazily, that first touch is several times slower). From the steady
# transfer: its bandwidth, the copy limit bytes / warm memcpy bandwidth, and
# the ratios transfer / (bytes / warm memcpy bw) and transfer / (bytes /
# first-touch memcpy bw). Last, the least-squares lines downtime = a + b *
# bytes with R^2, over every move and over the steady moves.
#
# Environment: top_builddir, top_srcdir (default: this script's tree),
# MIGRATION_NP (ranks, default 1; 2 adds an MPI bandwidth figure),
# MIGRATION_ARGS (arguments of the program, e.g. "-m 4 0 1M 16M").
set -u
# Stop-and-copy moves unless asked otherwise: the default mode (auto) would
# send large ranks pre-copy, and these figures are stop-and-copy's.
export NMPI_MIGRATION_MODE=${NMPI_MIGRATION_MODE:-stop}
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
np=${MIGRATION_NP:-1}
out=$top_builddir/bench
mkdir -p "$out"

"$top_builddir/tools/mpicc" -O2 -o "$out/migration" "$top_srcdir/bench/migration.c" || exit 1
# shellcheck disable=SC2086 # MIGRATION_ARGS is a list of words
set -- ${MIGRATION_ARGS:-}
echo "== tools/mpiexec -n $np --spares 1 $out/migration $*" >&2
NMPI_MIGRATE_TIMEOUT=${NMPI_MIGRATE_TIMEOUT:-120} timeout 1200 \
    "$top_builddir/tools/mpiexec" -n "$np" --spares 1 "$out/migration" "$@" \
    >"$out/migration.out" || { echo "run-migration: the run failed" >&2; exit 1; }

awk '
    function median(key,    n, i, j, v, a) {
        n = cnt[key]
        for (i = 1; i <= n; i++) a[i] = val[key, i]
        for (i = 2; i <= n; i++) {          # insertion sort: a few values per size
            v = a[i]
            for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
            a[j + 1] = v
        }
        return n == 0 ? 0 : n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function add(key, v) { val[key, ++cnt[key]] = v }
    $1 == "limit" { lim[$2] = $4; next }
    $1 == "move" {
        h = $2
        if (!(h in seen)) { seen[h] = 1; order[++nh] = h }
        add(h "b", $3); add(h "f", $4); add(h "t", $5); add(h "r", $6); add(h "u", $7); add(h "d", $8)
        np++; ys[np] = $8; xs[np] = $3
        if (cnt[h "b"] > 2) {               # past the first round trip of this size
            add(h "T", $5); add(h "D", $8); ns++; sy_[ns] = $8; sx_[ns] = $3
        }
    }
    END {
        cw = lim["memcpy"]; fw = lim["memcpy-fresh"]
        printf "copy limits: memcpy %.2f GB/s (warm, best of 5), memcpy into fresh 4 KiB pages %.2f GB/s (best of 5),", cw / 1e9, fw / 1e9
        printf " pipe %.2f GB/s", lim["pipe"] / 1e9
        if ("mpi" in lim) printf ", MPI 64 MiB %.2f GB/s", lim["mpi"] / 1e9
        printf "\n%-23s %-44s %-17s %s\n", "", "median of all moves (ms)", "steady (ms)", "steady transfer against copy limits"
        printf "%10s %12s %2s %8s %8s %7s %7s %8s %8s %8s %9s %9s %6s %6s\n", "heap", "bytes", "n",
            "freeze", "transfer", "restore", "route", "downtime", "transfer", "downtime", "xfer GB/s",
            "bytes/cpy", "x/cpy", "x/frsh"
        for (i = 1; i <= nh; i++) {
            h = order[i]; b = median(h "b"); t = median(h "T")
            printf "%10s %12d %2d %8.3f %8.3f %7.3f %7.3f %8.3f ", h, b, cnt[h "b"],
                median(h "f") * 1e3, median(h "t") * 1e3, median(h "r") * 1e3,
                median(h "u") * 1e3, median(h "d") * 1e3
            if (cnt[h "T"] == 0)                # too few moves for a steady figure
                printf "%8s %8s %9s %9.3f %6s %6s\n", "-", "-", "-", b / cw * 1e3, "-", "-"
            else
                printf "%8.3f %8.3f %9.2f %9.3f %6.1f %6.1f\n", t * 1e3, median(h "D") * 1e3,
                    b / t / 1e9, b / cw * 1e3, t / (b / cw), t / (b / fw)
        }
        fit("every move", np, xs, ys)
        fit("steady moves", ns, sx_, sy_)
    }
    # Least squares y = a + b x over n points, printed with R^2.
    function fit(what, n, x, y,    i, sx, sy, sxx, sxy, a, b, e, d, sse, sst) {
        if (n < 2) return
        for (i = 1; i <= n; i++) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i] }
        if (n * sxx - sx * sx <= 1e-9 * sxx) { printf "fit over %s: needs two heap sizes\n", what; return }
        b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
        for (i = 1; i <= n; i++) {
            e = y[i] - (a + b * x[i]); sse += e * e
            d = y[i] - sy / n; sst += d * d
        }
        printf "fit over %s (%d points): downtime = %.3f ms + %.4g s/byte * bytes (%.3f ms per MiB, %.2f GB/s), R^2 = %.4f\n",
            what, n, a * 1e3, b, b * 1048576 * 1e3, 1 / b / 1e9, (sst > 0 ? 1 - sse / sst : 1)
    }' "$out/migration.out"

# The cost model (rank-migrate/rmig_model.h, format version 1), path local:
# the lines bench/model-fit.awk fits over the steady moves, with the
# model's accuracy on the moves it measured. Written beside the table
# (bench/migration-model) and installed where the library reads it:
# NMPI_MIGRATION_MODEL, else
# ${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model
# (MIGRATION_MODEL_INSTALL=0: not installed). The lines of other paths an
# installed model has (hosts, from make bench-migration-hosts) are kept.
model=$out/migration-model
dest=${NMPI_MIGRATION_MODEL:-${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model}
{
    echo "# nanvix-mpi migration cost model, written by make bench-migration (bench/run-migration.sh)."
    echo "# Lines: <path> <downtime|total> <a seconds> <b seconds per byte> <R^2> <points>"
    echo "nanvix-mpi-migration-model 1"
    echo "measured make bench-migration $(date -u +%Y-%m-%dT%H:%MZ) on $(hostname) (${MIGRATION_ARGS:-default sizes})"
} >"$model"
awk -v path=local -v model="$model.lines" -f "$top_srcdir/bench/model-fit.awk" "$out/migration.out" ||
    exit 1
cat "$model.lines" >>"$model" && rm -f "$model.lines"
[ ! -f "$dest" ] || grep -E '^(hosts|checkpoint) ' "$dest" >>"$model"
echo "model written to $model"
if [ "${MIGRATION_MODEL_INSTALL:-1}" != 0 ]; then
    mkdir -p "$(dirname "$dest")" && cp "$model" "$dest.tmp.$$" && mv "$dest.tmp.$$" "$dest" ||
        { echo "run-migration: could not install the model at $dest" >&2; exit 1; }
    echo "model installed at $dest (NMPI_MIGRATION_MODEL names another file)"
fi
