/* mpimigrate.h: private declarations of the mpimigrate command (tools/).
 *
 * mpimigrate.c parses the command line, talks to the job and prints the
 * outcome; mpimigrate_talk.c speaks the request protocol
 * (rank-migrate/rmig_xreq.h) over the job's sockets; mpimigrate_job.c finds running jobs through
 * the job directories that tools/mpiexec creates (see the header of tools/mpiexec.in).
 */
#ifndef MPIMIGRATE_H
#define MPIMIGRATE_H

#include <limits.h>
#include <sys/types.h>

/* Exit statuses (also in the usage text and README). */
enum mm_exit {
    MM_EXIT_MOVED = 0,   /* the rank moved (or --list / --help) */
    MM_EXIT_USAGE = 1,   /* bad command line, rank or cluster */
    MM_EXIT_NOJOB = 2,   /* no such job, its processes are gone, or it does not answer */
    MM_EXIT_REFUSED = 3, /* the job refused the move; the rank stays */
    MM_EXIT_TIMEOUT = 4, /* no outcome within the timeout */
};

#define MM_MAX_JOBS 256

struct mm_job {
    long id;      /* job id: the launcher's pid, the directory's name */
    int nranks;   /* ranks of the job */
    int spares;   /* spare clusters: clusters are 0..nranks+spares-1 */
    long started; /* seconds since the epoch */
    char program[256];
    char dir[PATH_MAX];
};

/* The directory holding the job directories: $NMPI_RUN_DIR, else
 * ${XDG_RUNTIME_DIR:-/tmp}/nmpi-<uid> (the same rule as tools/mpiexec). */
void mm_run_dir(char *buf, size_t len);

/* Loads job `id` from run_dir. Returns 0, -ENOENT no such job directory,
 * -ESRCH its launcher process is gone, -EPROTO its job file is malformed. */
int mm_job_load(const char *run_dir, long id, struct mm_job *job);

/* Fills jobs[0..max-1] with the running jobs of run_dir, oldest first, and
 * returns how many there are (which may exceed max). */
int mm_job_scan(const char *run_dir, struct mm_job *jobs, int max);

struct rmig_xreq;

/* mpimigrate_talk.c: asks job to move rank to cluster (-1: any spare) and
 * waits up to timeout seconds for the outcome. Returns MM_EXIT_MOVED with
 * *result filled (status 0 moved, else -errno: refused), or another
 * enum mm_exit after printing why on stderr. */
int mm_talk(const struct mm_job *job, int rank, int cluster, double timeout,
            struct rmig_xreq *result);

/* Parses a whole decimal number in [lo, hi] into *v. Returns 0 or -1. */
int mm_parse_long(const char *s, long lo, long hi, long *v);

#endif /* MPIMIGRATE_H */
