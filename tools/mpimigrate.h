/* mpimigrate.h: private declarations of the mpimigrate command (tools/).
 *
 * mpimigrate.c parses the command line, talks to the job and prints the
 * outcome; mpimigrate_talk.c speaks the request protocol
 * (rank-migrate/rmig_xreq.h) over the job's sockets; mpimigrate_place.c
 * asks for the placement and prints it; mpimigrate_evac.c plans and runs
 * --evacuate; mpimigrate_job.c finds running jobs through the job
 * directories that tools/mpiexec creates (see the header of tools/mpiexec.in).
 */
#ifndef MPIMIGRATE_H
#define MPIMIGRATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit statuses (also in the usage text and README). */
enum mm_exit {
    MM_EXIT_MOVED = 0,   /* the rank moved (or --list / --help) */
    MM_EXIT_USAGE = 1,   /* bad command line, rank or cluster */
    MM_EXIT_NOJOB = 2,   /* no such job, its processes are gone, or it does not answer */
    MM_EXIT_REFUSED = 3, /* the job refused the move; the rank stays */
    MM_EXIT_TIMEOUT = 4, /* no outcome within the timeout */
    MM_EXIT_NOSPARE = 5, /* --evacuate: too few idle clusters on other hosts; nothing moved */
    MM_EXIT_PARTIAL = 6, /* --evacuate: some ranks still run on the host (listed) */
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
/* How every MOVE this command asks sends the container (--mode):
 * RMIG_XREQ_MODE_JOB (the job's NMPI_MIGRATION_MODE), _STOP, _PRECOPY,
 * _POSTCOPY or _AUTO. */
extern int mm_move_mode;

/* mm_talk through a checkpoint file in dir (a MOVE_VIA; dir absolute and
 * shorter than RMIG_XREQ_DIR_MAX), or a MOVE with dir NULL. */
int mm_talk_via(const struct mm_job *job, int rank, int cluster, const char *dir, double timeout,
                struct rmig_xreq *result);

/* mpimigrate_via.c: --via-checkpoint DIR: makes DIR absolute (against the
 * working directory) into abs[len]. Returns MM_EXIT_MOVED, or
 * MM_EXIT_USAGE after saying why (empty, too long). */
int mm_via_dir(const char *dir, char *abs, size_t len);
/* Why a move through a checkpoint was refused (its own statuses), or
 * "the transfer failed". */
const char *mm_via_reason(int status);

/* mpimigrate_talk.c, the pieces mm_talk is made of, for the commands that
 * ask more than one thing of a job:
 * mm_open: binds our socket in the job directory (removed at exit). Returns
 *   the fd, or -1 (message printed).
 * mm_send: sends rq to c<rq->rank>.sock, or else to the first cluster with
 *   a socket on this host. Returns MM_EXIT_MOVED or MM_EXIT_NOJOB (printed).
 * mm_send_to: sends rq to cluster c's socket; 0 or the errno of sendto.
 * mm_nonce: a fresh random nonce. mm_now: monotonic seconds. */
int mm_send_to(int fd, const struct mm_job *job, const struct rmig_xreq *rq, int c);
int mm_open(const struct mm_job *job);
int mm_send(int fd, const struct mm_job *job, const struct rmig_xreq *rq);
uint32_t mm_nonce(void);
double mm_now(void);

/* mpimigrate.c: why the job refused a move, from its status (-errno). */
const char *mm_reason(int status);

/* mpimigrate_place.c: asks the job where every cluster runs and what (a
 * PLACEMENT through fd, the answers of the other clusters awaited up to
 * 2 s by the entry, or less with a smaller timeout) and waits up to timeout
 * seconds for the TABLE, asking through the next cluster with a socket
 * here when one does not answer (a rank that stays out of MPI). Returns MM_EXIT_MOVED with *pl
 * filled, or another enum mm_exit after printing why. mm_where prints the table (--where). */
struct rmig_xreq_placement;
int mm_placement(const struct mm_job *job, int fd, double timeout, struct rmig_xreq_placement *pl);
int mm_where(const struct mm_job *job, double timeout);
/* mm_placement through a socket of its own (opened and closed here). */
int mm_placement_once(const struct mm_job *job, double timeout, struct rmig_xreq_placement *pl);
/* The words for what cluster c of pl runs ("rank 3", "idle", ...). */
const char *mm_place_what(const struct rmig_xreq_placement *pl, int c, char *buf, size_t len);

/* mpimigrate_evac.c: --evacuate HOST: moves every rank off HOST to idle
 * clusters on the other hosts (all at once, or one after the other with
 * serial), reports each move, and returns the exit status. */
int mm_evacuate(const struct mm_job *job, const char *host, double timeout, int serial);

/* mpimigrate_estimate.c: --estimate RANK CLUSTER (cluster -1: any idle
 * one): prints the predicted downtime and total time of that move from
 * one placement and the cost model (via: a move through a checkpoint file,
 * path checkpoint); nothing moves. Returns the exit status. */
int mm_estimate(const struct mm_job *job, int rank, int cluster, double timeout, int via);

/* mpimigrate_ckpt.c: --checkpoint DIR: asks the job for a coordinated
 * checkpoint into DIR (absolute) and waits up to timeout seconds for it to
 * complete; prints one line (number, DIR, ranks, bytes, seconds). Returns
 * MM_EXIT_MOVED once complete, MM_EXIT_USAGE for a bad DIR, MM_EXIT_REFUSED
 * when the job could not take it, MM_EXIT_NOJOB or MM_EXIT_TIMEOUT (each
 * said on stderr). */
int mm_checkpoint(const struct mm_job *job, const char *dir, double timeout);

/* Parses a whole decimal number in [lo, hi] into *v. Returns 0 or -1. */
int mm_parse_long(const char *s, long lo, long hi, long *v);

#endif /* MPIMIGRATE_H */
