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

# The cost model (rank-migrate/rmig.h, format version 1), path local: the
# lines downtime = a + b * bytes and total = a' + b' * bytes (total =
# freeze + downtime + route update) over the steady moves, fitted by least
# squares weighted by 1 / measured^2, i.e. on the relative error, which is
# how the model is judged (the 2009 C/R study reports >90% accuracy): an
# unweighted fit is ruled by the 1 GiB moves and misses small ones by
# more than their whole cost. R^2 is the weighted fit's. Then the model's
# accuracy on the moves it measured: mean and worst |predicted - measured|
# / measured of the downtime, over the steady moves and over every move.
# Written beside the table (bench/migration-model) and installed where the
# library reads it: NMPI_MIGRATION_MODEL, else
# ${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model
# (MIGRATION_MODEL_INSTALL=0: not installed).
model=$out/migration-model
awk -v when="$(date -u +%Y-%m-%dT%H:%MZ)" -v host="$(hostname)" -v args="${MIGRATION_ARGS:-default sizes}" '
    $1 == "move" {
        h = $2
        if (++seen[h] > 2) { n++; x[n] = $3; d[n] = $8; t[n] = $4 + $8 + $7 }
        m++; X[m] = $3; D[m] = $8
    }
    # Weighted least squares y = a + b x, w = 1 / y^2; sets A, B, R2.
    function wfit(k, x, y,    i, w, sw, sx, sy, sxx, sxy, e, sse, sst, ym) {
        for (i = 1; i <= k; i++) {
            w = 1 / (y[i] * y[i]); sw += w; sx += w * x[i]; sy += w * y[i]
            sxx += w * x[i] * x[i]; sxy += w * x[i] * y[i]
        }
        B = (sw * sxy - sx * sy) / (sw * sxx - sx * sx); A = (sy - B * sx) / sw; ym = sy / sw
        for (i = 1; i <= k; i++) {
            w = 1 / (y[i] * y[i]); e = y[i] - (A + B * x[i]); sse += w * e * e
            sst += w * (y[i] - ym) * (y[i] - ym)
        }
        R2 = sst > 0 ? 1 - sse / sst : 1
        if (R2 < 0) R2 = 0
    }
    function accuracy(what, k, x, y,    i, p, r, sum, worst) {
        for (i = 1; i <= k; i++) {
            p = A_d + B_d * x[i]; p = p > 0 ? p : 0
            r = (p > y[i] ? p - y[i] : y[i] - p) / y[i]; sum += r; worst = r > worst ? r : worst
        }
        printf "model accuracy over %s (%d moves): downtime |predicted - measured| / measured: mean %.1f%%, worst %.1f%% (mean accuracy %.1f%%)\n",
            what, k, 100 * sum / k, 100 * worst, 100 - 100 * sum / k
    }
    END {
        if (n < 2) { print "model: too few steady moves to fit" > "/dev/stderr"; exit 1 }
        for (i = 2; i <= n && x[i] == x[1]; i++) ;
        if (i > n) { print "model: needs two heap sizes" > "/dev/stderr"; exit 1 }
        wfit(n, x, d); A_d = A; B_d = B; R2_d = R2
        wfit(n, x, t); A_t = A; B_t = B; R2_t = R2
        print "# nanvix-mpi migration cost model, written by make bench-migration (bench/run-migration.sh)." > MODEL
        print "# Lines: <path> <downtime|total> <a seconds> <b seconds per byte> <R^2> <points>" > MODEL
        print "nanvix-mpi-migration-model 1" > MODEL
        printf "measured make bench-migration %s on %s (%s), %d steady moves\n", when, host, args, n > MODEL
        printf "local downtime %.6e %.6e %.4f %d\n", A_d, B_d, R2_d, n > MODEL
        printf "local total %.6e %.6e %.4f %d\n", A_t, B_t, R2_t, n > MODEL
        printf "model (path local, %d steady moves, weighted by 1/measured^2): downtime = %.3f ms + %.4g s/byte * bytes (R^2 %.4f); total = %.3f ms + %.4g s/byte * bytes (R^2 %.4f)\n",
            n, A_d * 1e3, B_d, R2_d, A_t * 1e3, B_t, R2_t
        accuracy("the steady moves", n, x, d)
        accuracy("every move", m, X, D)
    }' MODEL="$model" "$out/migration.out" || exit 1
echo "model written to $model"
if [ "${MIGRATION_MODEL_INSTALL:-1}" != 0 ]; then
    dest=${NMPI_MIGRATION_MODEL:-${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model}
    mkdir -p "$(dirname "$dest")" && cp "$model" "$dest.tmp.$$" && mv "$dest.tmp.$$" "$dest" ||
        { echo "run-migration: could not install the model at $dest" >&2; exit 1; }
    echo "model installed at $dest (NMPI_MIGRATION_MODEL names another file)"
fi
