/* base.h: the services every layer uses: one log and one table of settings.
 *
 * This library sits below nanvix-port and calls nothing of the project,
 * only libc (getenv, stderr), so every layer, the tools and the unit tests
 * can use it, and it builds wherever the layers above build.
 *
 * The log: every line the library prints goes through base_log(), as
 * "nanvix-mpi: <tag>: <message>", where the tag names the layer ("port",
 * "uarea", "rmig", "cv", "mpi"). NMPI_LOG picks the most detailed level
 * printed: error, warn (the default), info or debug; lines another process
 * can provoke at will go through a rate limit (base_log_limited). Output
 * the user asked
 * for (a migration report) goes through base_report(), printed whatever
 * the level, in the same shape.
 *
 * The settings: every environment variable the library or its tools read
 * is declared once in the table of base_settings.c (name, default, who
 * reads it, meaning); `mpiexec --settings` prints that table (through
 * nmpi-info). Code reads a setting only through base_setting*(), with the
 * name as the table spells it.
 */
#ifndef BASE_H
#define BASE_H

/* ---- log ----------------------------------------------------------------- */

enum base_log_level {
    BASE_LOG_ERROR = 0, /* the job or a request cannot go on */
    BASE_LOG_WARN,      /* something was dropped or refused; the job goes on */
    BASE_LOG_INFO,      /* what a user may want to know (degraded paths) */
    BASE_LOG_DEBUG,     /* what a developer wants to know */
};

/* Non-zero when lines of `level` are printed (NMPI_LOG, read once). */
int base_log_on(enum base_log_level level);

/* Prints "nanvix-mpi: <tag>: <message>\n" on stderr, in one write, when
 * `level` is on. Safe to call from any thread (not from a signal
 * handler). */
void base_log(enum base_log_level level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A rate limit for one place that logs what another process can make it
 * log as often as it likes (a malformed message, a dropped datagram): at
 * most BASE_LOG_BURST lines per second there; the first line after a quiet
 * spell says how many were held back. Zero-initialise one per call site
 * (a static in the runtime: per cluster, never in a container). */
#define BASE_LOG_BURST 10
struct base_log_limit {
    double window;    /* start of the current one-second window */
    unsigned printed; /* lines printed in it */
    unsigned held;    /* lines held back since the last printed one */
};

/* base_log() through the limit `l`. */
void base_log_limited(struct base_log_limit *l, enum base_log_level level, const char *tag,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Like base_log(), whatever NMPI_LOG says: for output the user asked for
 * by a setting of its own (NMPI_MIGRATION_REPORT). */
void base_report(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- settings ------------------------------------------------------------ */

struct base_setting {
    const char *name;    /* environment variable */
    const char *dflt;    /* value when unset or empty ("" when there is none) */
    const char *used_by; /* "library", "mpiexec", "mpimigrate", "mpicc", "tests"... */
    const char *meaning; /* one line */
};

/* The table: *n_p entries, sorted by name. */
const struct base_setting *base_settings(int *n_p);

/* The table's entry of `name`, or NULL when it is not declared there. */
const struct base_setting *base_setting_find(const char *name);

/* The value of setting `name`: the environment's when set and not empty,
 * else the table's default. NULL (and an error line) when `name` is not
 * declared in the table: every setting is declared once. */
const char *base_setting(const char *name);

/* The value of `name` as an integer in [min, max]. A value that is not a
 * whole number, or out of range, gives a warning and the default (which
 * the caller knows to be valid). */
long base_setting_long(const char *name, long min, long max);

/* The same for a real number (seconds...). */
double base_setting_double(const char *name, double min, double max);

/* Non-zero unless the value of `name` is "0": for on/off switches. */
int base_setting_on(const char *name);

#endif /* BASE_H */
