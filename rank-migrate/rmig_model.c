/* rmig_model.c: the migration cost model's text format, its strict parser
 * and the predictions it makes.
 *
 * A model gives, for each path a move can take (local: both clusters on
 * one host; hosts: between hosts; checkpoint: through a file), two lines
 * fitted by `make bench-migration` (local), `make bench-migration-hosts`
 * (hosts) or `make bench-migration-modes` (local from cold moves into a
 * spare, and checkpoint: the fit of the image directory on tmpfs or on
 * the disk, whichever kind the default NMPI_MIGRATION_DIR is; the built-in
 * figures have no checkpoint line, so a checkpoint move is predicted with
 * the local figures, a lower bound, until that runs): downtime = a + b *
 * bytes and total = a' + b' * bytes (total = freeze + downtime + route
 * update), each with its R^2 and point count. The file (version 1, written
 * down in rmig_model.h)
 * is text a person can read and edit, so the parser trusts nothing: every
 * line is bounded, every number must be a plain finite decimal inside a
 * sane range, and an unknown, duplicate or half-given path refuses the
 * whole file with the line number, so a damaged model never predicts.
 * This file uses libc only (the fuzz target compiles it alone); where the
 * library finds the file and what it falls back to is rmig_estimate.c's.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_model.h"

/* Built-in figures: see rmig_model_builtin(). {a, b, r2, points}. */
#define RMIG_BUILTIN_DOWNTIME 6.215024e-05, 3.139579e-10, 0.8883, 42
#define RMIG_BUILTIN_TOTAL    9.970290e-05, 3.254929e-10, 0.8449, 42
#define RMIG_BUILTIN_MEASURED                                                                      \
    "built-in figures of make bench-migration 2026-12-07T00:11Z on the 2-core development VM "     \
    "(-m 10 -M 4 0 1M 16M 64M 256M 1G), 42 steady moves"

static const char *const rmig_path_names[RMIG_PATHS] = {"local", "hosts", "checkpoint"};
static const char *const rmig_fit_names[2] = {"downtime", "total"};

const char *rmig_path_name(int path)
{
    return path >= 0 && path < RMIG_PATHS ? rmig_path_names[path] : "?";
}

/* Index of `word` in names[n], or -1. */
static int rmig_word_index(const char *word, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(word, names[i]) == 0)
            return i;
    return -1;
}

/* Writes "line N: <why>" and returns -EINVAL. */
static int rmig_model_refuse(char *why, size_t len, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int rmig_model_refuse(char *why, size_t len, int line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(why, len, "line %d: ", line);

    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < len)
        vsnprintf(why + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* A plain decimal number (digits, one point, an exponent): no nan, inf,
 * hex or stray characters, which strtod() alone would let through. */
static int rmig_number(const char *tok, double lo, double hi, double *out)
{
    char *end;
    double v;

    if (tok[0] == '\0' || strspn(tok, "0123456789.eE+-") != strlen(tok))
        return -1;
    errno = 0;
    v = strtod(tok, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Splits line (NUL-terminated, changed) into at most max words. Returns
 * the count, or max + 1 when there are more. */
static int rmig_split(char *line, char **w, int max)
{
    int n = 0;

    for (char *p = strtok(line, " \t"); p != NULL; p = strtok(NULL, " \t")) {
        if (n == max)
            return max + 1;
        w[n++] = p;
    }
    return n;
}

/* "<path> <downtime|total> <a> <b> <r2> <points>" into m. */
static int rmig_model_fit_line(char **w, int n, int line, struct rmig_model *m, char *why,
                               size_t len)
{
    int path = rmig_word_index(w[0], rmig_path_names, RMIG_PATHS);
    int kind = n > 1 ? rmig_word_index(w[1], rmig_fit_names, 2) : -1;
    struct rmig_fit f;
    double points;

    if (path < 0)
        return rmig_model_refuse(why, len, line,
                                 "unknown path or keyword '%.32s' (paths: local, hosts, "
                                 "checkpoint)",
                                 w[0]);
    if (kind < 0)
        return rmig_model_refuse(why, len, line, "'%s' must be followed by downtime or total",
                                 w[0]);
    if (n != 6)
        return rmig_model_refuse(why, len, line, "want: %s %s <a> <b> <r2> <points>", w[0], w[1]);
    if (rmig_number(w[2], RMIG_MODEL_A_MIN, RMIG_MODEL_A_MAX, &f.a) < 0)
        return rmig_model_refuse(why, len, line,
                                 "a = '%.32s': not a plain number of seconds in [%g, %g]", w[2],
                                 RMIG_MODEL_A_MIN, RMIG_MODEL_A_MAX);
    if (rmig_number(w[3], 0.0, RMIG_MODEL_B_MAX, &f.b) < 0)
        return rmig_model_refuse(why, len, line,
                                 "b = '%.32s': not a plain number of s/byte in [0, %g]", w[3],
                                 RMIG_MODEL_B_MAX);
    if (rmig_number(w[4], 0.0, 1.0, &f.r2) < 0)
        return rmig_model_refuse(why, len, line, "R^2 = '%.32s': not a plain number in [0, 1]",
                                 w[4]);
    if (strspn(w[5], "0123456789") != strlen(w[5]) ||
        rmig_number(w[5], 2, RMIG_MODEL_POINTS_MAX, &points) < 0)
        return rmig_model_refuse(why, len, line, "points = '%.32s': not a whole number in [2, %d]",
                                 w[5], RMIG_MODEL_POINTS_MAX);
    f.points = (int)points;
    if (m->given[path] & (1 << kind))
        return rmig_model_refuse(why, len, line, "second %s line of path %s", w[1], w[0]);
    m->given[path] |= 1 << kind;
    if (kind == 0)
        m->downtime[path] = f;
    else
        m->total[path] = f;
    return 0;
}

/* One line (NUL-terminated, changed), numbered `line`; *seen_version says
 * whether the version line came. */
static int rmig_model_line(char *text, int line, int *seen_version, struct rmig_model *m, char *why,
                           size_t len)
{
    char *w[7], *rest;
    int n;

    if (text[0] == '#')
        return 0;
    rest = text + strspn(text, " \t");
    if (rest[0] == '\0')
        return 0;
    if (!*seen_version) {
        n = rmig_split(text, w, 6);
        if (n != 2 || strcmp(w[0], RMIG_MODEL_MAGIC) != 0)
            return rmig_model_refuse(why, len, line, "not a migration model (want '%s %d' first)",
                                     RMIG_MODEL_MAGIC, RMIG_MODEL_VERSION);
        if (strcmp(w[1], "1") != 0)
            return rmig_model_refuse(why, len, line, "version '%.16s' (this library reads %d)",
                                     w[1], RMIG_MODEL_VERSION);
        *seen_version = 1;
        return 0;
    }
    if (strncmp(rest, "measured", 8) == 0 && (rest[8] == ' ' || rest[8] == '\t')) {
        if (m->measured[0] != '\0')
            return rmig_model_refuse(why, len, line, "second measured line");
        rest += 9 + strspn(rest + 9, " \t");
        if (rest[0] == '\0' || strlen(rest) >= sizeof(m->measured))
            return rmig_model_refuse(why, len, line, "measured: want 1 to %zu characters",
                                     sizeof(m->measured) - 1);
        strcpy(m->measured, rest);
        return 0;
    }
    n = rmig_split(text, w, 6);
    return rmig_model_fit_line(w, n, line, m, why, len);
}

/* Both lines of every path given, and at least one path. */
static int rmig_model_complete(const struct rmig_model *m, int line, char *why, size_t len)
{
    int any = 0;

    for (int p = 0; p < RMIG_PATHS; p++) {
        if (m->given[p] == 1 || m->given[p] == 2)
            return rmig_model_refuse(why, len, line, "path %s has a %s line but no %s line",
                                     rmig_path_names[p], rmig_fit_names[m->given[p] - 1],
                                     rmig_fit_names[2 - m->given[p]]);
        any |= m->given[p];
    }
    if (!any)
        return rmig_model_refuse(why, len, line, "no path in the model");
    return 0;
}

int rmig_model_parse(const char *text, size_t size, struct rmig_model *m, char *why, size_t len)
{
    char buf[RMIG_MODEL_LINE_MAX + 2];
    int line = 0, seen_version = 0;
    size_t at = 0;

    memset(m, 0, sizeof(*m));
    if (size > RMIG_MODEL_SIZE_MAX)
        return rmig_model_refuse(why, len, 0, "file longer than %d bytes", RMIG_MODEL_SIZE_MAX);
    while (at < size) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t n = nl != NULL ? (size_t)(nl - (text + at)) : size - at;
        int err;

        line++;
        if (n > RMIG_MODEL_LINE_MAX)
            return rmig_model_refuse(why, len, line, "longer than %d characters",
                                     RMIG_MODEL_LINE_MAX);
        memcpy(buf, text + at, n);
        buf[n] = '\0';
        if (strlen(buf) != n || strcspn(buf, "\r\v\f") != n)
            return rmig_model_refuse(why, len, line, "a NUL or control character");
        err = rmig_model_line(buf, line, &seen_version, m, why, len);
        if (err < 0)
            return err;
        at += n + 1;
    }
    if (!seen_version)
        return rmig_model_refuse(why, len, line, "empty: no '%s %d' line", RMIG_MODEL_MAGIC,
                                 RMIG_MODEL_VERSION);
    return rmig_model_complete(m, line, why, len);
}

/* Built-in figures: `MIGRATION_ARGS="-m 10 -M 4 0 1M 16M 64M 256M 1G" make
 * bench-migration` on the 2-core development VM (shared with other jobs),
 * 2026-12-07 00:11 UTC, tree a4e06a3 (the library's move path as on main);
 * the table, the model file and its accuracy are in the message of the
 * commit that added these lines. Used when no model file is read. */
void rmig_model_builtin(struct rmig_model *m)
{
    memset(m, 0, sizeof(*m));
    m->given[RMIG_PATH_LOCAL] = 3;
    m->downtime[RMIG_PATH_LOCAL] = (struct rmig_fit){RMIG_BUILTIN_DOWNTIME};
    m->total[RMIG_PATH_LOCAL] = (struct rmig_fit){RMIG_BUILTIN_TOTAL};
    snprintf(m->measured, sizeof(m->measured), "%s", RMIG_BUILTIN_MEASURED);
}

int rmig_model_predict(const struct rmig_model *m, int path, uint64_t bytes,
                       struct rmig_estimate *e)
{
    int used = path;

    if (path < 0 || path >= RMIG_PATHS)
        return -EINVAL;
    if (m->given[path] != 3) {
        if (m->given[RMIG_PATH_LOCAL] != 3)
            return -ENODATA;
        used = RMIG_PATH_LOCAL; /* said in e->figures_of: a lower bound, not a fit */
    }
    e->bytes = bytes;
    e->path = path;
    e->figures_of = used;
    e->downtime = m->downtime[used].a + m->downtime[used].b * (double)bytes;
    e->total = m->total[used].a + m->total[used].b * (double)bytes;
    e->downtime = e->downtime > 0.0 ? e->downtime : 0.0; /* a fit's intercept may be < 0 */
    e->total = e->total > e->downtime ? e->total : e->downtime;
    return 0;
}
