/* mpimigrate_job.c: finding running jobs from their job directories.
 *
 * tools/mpiexec writes <run dir>/<pid>/job (key=value lines: version, pid,
 * nranks, spares, started, program) before it execs Hydra under the same
 * pid, and a watcher removes the directory when that pid ends. A directory
 * whose pid is gone (the watcher was killed too) is a dead job and skipped.
 * The job file is parsed strictly: every key once, known keys only, numbers
 * whole and in range, the pid equal to the directory's name.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "mpimigrate.h"

#define MM_MAX_CLUSTERS 4096 /* KNODE_MAX of nanvix-port */

void mm_run_dir(char *buf, size_t len)
{
    const char *run = base_setting("NMPI_RUN_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

    if (*run != '\0')
        snprintf(buf, len, "%s", run);
    else
        snprintf(buf, len, "%s/nmpi-%lu", xdg != NULL && *xdg != '\0' ? xdg : "/tmp",
                 (unsigned long)getuid());
}

int mm_parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    long x;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    x = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

/* Takes one "key=value" line into *job; `seen` has a bit per key. */
static int mm_job_line(char *line, struct mm_job *job, unsigned *seen)
{
    static const char *keys[] = {"version", "pid", "nranks", "spares", "started", "program"};
    char *eq = strchr(line, '=');
    long v = 0;
    unsigned k;

    if (eq == NULL)
        return -EPROTO;
    *eq = '\0';
    for (k = 0; k < 6 && strcmp(line, keys[k]) != 0; k++)
        ;
    if (k == 6 || (*seen & (1u << k)))
        return -EPROTO;
    *seen |= 1u << k;
    if (k == 5)
        return snprintf(job->program, sizeof(job->program), "%s", eq + 1) < 0 ? -EPROTO : 0;
    if (mm_parse_long(eq + 1, 0, LONG_MAX, &v) < 0)
        return -EPROTO;
    if ((k == 0 && v != 1) || (k == 1 && v != job->id) ||
        (k == 2 && (v < 1 || v > MM_MAX_CLUSTERS)) || (k == 3 && v > MM_MAX_CLUSTERS))
        return -EPROTO;
    if (k == 2)
        job->nranks = (int)v;
    else if (k == 3)
        job->spares = (int)v;
    else if (k == 4)
        job->started = v;
    return 0;
}

static int mm_job_parse(FILE *f, struct mm_job *job)
{
    char line[512];
    unsigned seen = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        size_t n = strlen(line);

        if (n == 0 || line[n - 1] != '\n')
            return -EPROTO; /* overlong line or no final newline */
        line[n - 1] = '\0';
        if (mm_job_line(line, job, &seen) < 0)
            return -EPROTO;
    }
    if (seen != 0x3f || job->nranks + job->spares > MM_MAX_CLUSTERS)
        return -EPROTO;
    return 0;
}

int mm_job_load(const char *run_dir, long id, struct mm_job *job)
{
    char path[PATH_MAX + 16];
    FILE *f;
    int ret;

    memset(job, 0, sizeof(*job));
    job->id = id;
    if (snprintf(job->dir, sizeof(job->dir), "%s/%ld", run_dir, id) >= (int)sizeof(job->dir))
        return -ENOENT;
    snprintf(path, sizeof(path), "%s/job", job->dir);
    f = fopen(path, "r");
    if (f == NULL)
        return -ENOENT;
    ret = mm_job_parse(f, job);
    fclose(f);
    if (ret < 0)
        return ret;
    if (kill((pid_t)id, 0) < 0 && errno == ESRCH)
        return -ESRCH;
    return 0;
}

static int mm_job_older(const void *a, const void *b)
{
    const struct mm_job *x = a, *y = b;

    if (x->started != y->started)
        return x->started < y->started ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int mm_job_scan(const char *run_dir, struct mm_job *jobs, int max)
{
    DIR *d = opendir(run_dir);
    struct dirent *e;
    struct mm_job job;
    int n = 0;
    long id;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (mm_parse_long(e->d_name, 1, INT_MAX, &id) < 0 || mm_job_load(run_dir, id, &job) < 0)
            continue;
        if (n < max)
            jobs[n] = job;
        n++;
    }
    closedir(d);
    qsort(jobs, (size_t)(n < max ? n : max), sizeof(*jobs), mm_job_older);
    return n;
}
