/* base_log.c: the library's one log.
 *
 * Lines are formatted into one buffer on the stack and written with one
 * write(2) on descriptor 2, so lines of the threads of one cluster and of
 * the clusters of one job do not interleave mid-line, and logging works
 * where stdio may not: before libc is set up (the interposed start-up of
 * uarea) and inside the allocator (heap corruption). The level comes from
 * NMPI_LOG the first time anything asks; two threads reading it at once
 * find the same value, so no lock guards it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base.h"

static const char *const base_level_names[] = {"error", "warn", "info", "debug"};

static int base_level = -1; /* -1 until NMPI_LOG is read */

/* The level NMPI_LOG names; warn (with a warning) for a name it does not know. */
static int base_log_level_read(void)
{
    const char *v = base_setting("NMPI_LOG");
    int i;

    for (i = 0; i <= BASE_LOG_DEBUG; i++)
        if (v != NULL && strcasecmp(v, base_level_names[i]) == 0)
            return i;
    base_log(BASE_LOG_WARN, "base", "NMPI_LOG=%s is none of error, warn, info, debug: warn", v);
    return BASE_LOG_WARN;
}

int base_log_on(enum base_log_level level)
{
    if (base_level < 0) {
        base_level = BASE_LOG_WARN; /* while reading it: its own warnings */
        base_level = base_log_level_read();
    }
    return (int)level <= base_level;
}

static void base_vprint(const char *tag, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "nanvix-mpi: %s: ", tag);
    ssize_t rc;

    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    n = (int)strlen(line);
    line[n] = '\n';
    rc = write(STDERR_FILENO, line, (size_t)n + 1);
    (void)rc; /* nowhere left to report a failed write of a log line */
}

void base_log(enum base_log_level level, const char *tag, const char *fmt, ...)
{
    va_list ap;

    if (!base_log_on(level))
        return;
    va_start(ap, fmt);
    base_vprint(tag, fmt, ap);
    va_end(ap);
}

void base_report(const char *tag, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    base_vprint(tag, fmt, ap);
    va_end(ap);
}

static double base_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void base_log_limited(struct base_log_limit *l, enum base_log_level level, const char *tag,
                      const char *fmt, ...)
{
    double now = base_now();
    va_list ap;

    if (!base_log_on(level))
        return;
    if (now - l->window >= 1.0) {
        l->window = now;
        l->printed = 0;
    }
    if (l->printed == BASE_LOG_BURST) {
        l->held++;
        return;
    }
    l->printed++;
    if (l->held > 0)
        base_log(level, tag, "(%u more like the next held back)", l->held);
    l->held = 0;
    va_start(ap, fmt);
    base_vprint(tag, fmt, ap);
    va_end(ap);
}
