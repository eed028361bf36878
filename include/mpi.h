/* mpi.h: the public header of nanvix-mpi, MPICH's mpi.h plus our extensions.
 *
 * The library implements the MPICH ABI: handles, constants, MPI_Status and
 * every prototype come from MPICH's own mpi.h, which this file includes with
 * #include_next. Our mpicc puts this file's directory first on the include
 * path and MPICH's directory (/usr/include/x86_64-linux-gnu/mpich on Debian)
 * after it, so `#include <mpi.h>` in an application finds this file, which
 * then finds MPICH's. A program that uses no extension can be built by
 * MPICH's own mpicc and still run on our library (through LD_LIBRARY_PATH).
 *
 * Extensions: rank migration between clusters. A cluster is one process of
 * the job; `mpiexec -n N --spares K` starts N+K clusters, numbered 0..N+K-1;
 * at start rank i runs on cluster i and clusters N..N+K-1 are spares (they
 * host no rank and wait to receive one). Programs can test NANVIX_MPI to
 * compile extension calls only when building against this library.
 */
#ifndef NANVIX_MPI_H
#define NANVIX_MPI_H

#if defined(__has_include_next)
#if !__has_include_next(<mpi.h>)
#error "MPICH's mpi.h not found: install the Debian package libmpich-dev"
#endif
#endif
#include_next <mpi.h>

/* Defined when compiling against nanvix-mpi (value: extension API version). */
#define NANVIX_MPI 1

/* Cluster argument meaning "any idle spare cluster, chosen by the runtime".
 * Distinct from every MPICH rank sentinel (MPI_PROC_NULL -1,
 * MPI_ANY_SOURCE -2, MPI_ROOT -3). */
#define MPIX_ANY_SPARE (-4)

#ifdef __cplusplus
extern "C" {
#endif

/* Move the calling rank's container to `cluster` (a spare cluster number or
 * MPIX_ANY_SPARE) and resume it there; returns there, in the same state.
 * Collective over nothing: only the caller moves; other ranks keep talking to
 * it through its logical rank. Returns MPI_SUCCESS once the rank runs on the
 * new cluster; on failure (bad, busy or missing cluster, the caller's own
 * cluster, layout mismatch, transfer error) returns an MPI error code (class
 * MPI_ERR_ARG: bad or own cluster; MPI_ERR_NO_SPACE: no idle cluster left;
 * MPI_ERR_UNSUPPORTED_OPERATION: layouts differ; MPI_ERR_OTHER: busy cluster
 * or failed transfer) and the rank keeps running where it was. */
int MPI_Migrateto(int cluster);
int PMPI_Migrateto(int cluster);

/* MPI_Migrateto through a checkpoint image file: the rank's container is
 * written to a file in `dir` (NULL: NMPI_MIGRATION_DIR, by default the job
 * directory) and loaded from it by the destination, which must reach dir
 * under the same path (same host or shared file system); the file is
 * removed once the move is decided. Same errors as MPI_Migrateto, and
 * MPI_ERR_IO for a dir that is missing or not writable, MPI_ERR_ARG for an
 * empty or too long one; a damaged image is refused (MPI_ERR_OTHER). The
 * rank stays on any error. */
int MPIX_Migrateto_checkpoint(int cluster, const char *dir);

/* MPI_Migrateto in a mode chosen for this move: "stop" (or "live": the rank
 * frozen while its whole container is sent), "precopy" (the container sent
 * in rounds while the rank waits here with its messages progressing, then
 * a short stop-and-copy of what was written meanwhile), "postcopy" (only
 * the uarea header, stack and globals sent frozen; the rank runs on the
 * destination at once, its heap pulled on first touch and in the
 * background; the job ends if the source dies before every page is
 * there), "checkpoint" (MPIX_Migrateto_checkpoint with dir NULL); NULL:
 * NMPI_MIGRATION_MODE's. MPI_ERR_ARG for an unknown mode; otherwise
 * MPI_Migrateto's errors (MPI_ERR_OTHER also while the rank's last
 * post-copy move still pulls pages). */
int MPIX_Migrateto_mode(int cluster, const char *mode);

/* Ask for rank `rank` of `comm` (possibly another rank than the caller) to
 * move to `cluster` (or MPIX_ANY_SPARE). For the caller itself this is
 * MPI_Migrateto; another rank moves at its next safe point (its next blocking
 * MPI call). Returns MPI_SUCCESS once the request is sent; MPI_ERR_RANK,
 * MPI_ERR_COMM, MPI_ERR_ARG or MPI_ERR_OTHER through comm's error handler. */
int MPIX_Migrate(int rank, int cluster, MPI_Comm comm);

/* Set *cluster to the number of the cluster that hosts the calling rank now.
 * Returns MPI_SUCCESS; MPI_ERR_ARG if cluster is NULL. */
int MPIX_Cluster_self(int *cluster);

/* Set *n to the number of clusters in the job (ranks + spares).
 * Returns MPI_SUCCESS; MPI_ERR_ARG if n is NULL. */
int MPIX_Cluster_count(int *n);

/* Set *n to the number of clusters that host no rank right now.
 * Returns MPI_SUCCESS; MPI_ERR_ARG if n is NULL. */
int MPIX_Spare_count(int *n);

/* The name of the host cluster `cluster` runs on (clusters never change
 * host; a rank does when it moves to a cluster of another host), the same
 * name MPI_Get_processor_name gives a rank running there, NUL-terminated
 * into name[MPI_MAX_PROCESSOR_NAME], its length in *resultlen. Returns
 * MPI_SUCCESS; MPI_ERR_ARG for a cluster that is not 0..clusters-1 or a
 * NULL argument. */
int MPIX_Cluster_host(int cluster, char *name, int *resultlen);

/* Set *cluster to the cluster that rank `rank` of `comm` runs on now, as
 * the calling rank knows it: exact for the caller; for another rank as its
 * last announced move says (a rank that moves tells every cluster when it
 * arrives; the caller learns it at its next MPI call that waits). Returns
 * MPI_SUCCESS; MPI_ERR_COMM, MPI_ERR_RANK, MPI_ERR_ARG (NULL cluster)
 * through comm's error handler. */
int MPIX_Rank_cluster(int rank, MPI_Comm comm, int *cluster);

/* Figures of the calling rank's last move: times[] = freeze, transfer,
 * restore, route update, downtime (seconds); *bytes = container bytes sent;
 * *moves = moves made so far. Returns MPI_SUCCESS; MPI_ERR_ARG on NULL. */
int MPIX_Migration_stats(double times[5], long long *bytes, int *moves);

/* Coordinated checkpoint of the whole job, collective over MPI_COMM_WORLD:
 * every rank stops here, the messages on their way are drained into their
 * receivers' MPI queues, and every rank's container is written to
 * dir/rank-<r>.img; rank 0 then writes dir/MANIFEST, which makes the
 * checkpoint complete (dir is made, mode 0700, if missing; a manifest
 * already there is removed first). `mpiexec --restart dir` starts a job
 * that resumes every rank inside this call: it then returns a second time,
 * with *restarted = 1 (0 when it returns after writing). Returns
 * MPI_SUCCESS; MPI_ERR_ARG for a NULL, empty or too long dir or a NULL
 * restarted; MPI_ERR_IO when a file could not be written (the directory
 * then holds no complete checkpoint). Ranks do not move during the call. */
int MPIX_Checkpoint(const char *dir, int *restarted);
/* Predicted cost of moving rank `rank` of MPI_COMM_WORLD to `cluster` (or
 * MPIX_ANY_SPARE: the worst path of the job) now, from the migration cost
 * model (NMPI_MIGRATION_MODEL, written by `make bench-migration`; built-in
 * figures without one). *seconds = the predicted downtime. Another rank
 * is asked for its size over the job's own channel, wherever it runs: the
 * call waits until that rank next polls (inside MPI, or at a preemption
 * tick), MPI_ERR_OTHER when it does not within NMPI_MIGRATE_TIMEOUT.
 * MPI_ERR_RANK, MPI_ERR_ARG (bad cluster, the rank's own, NULL pointer)
 * otherwise; errors are raised on MPI_COMM_WORLD. */
int MPIX_Migration_estimate(int rank, int cluster, double *seconds);

/* The same prediction in full: downtime and total (freeze + downtime +
 * route update) in seconds, the bytes the move would send, the path's
 * name ("local", "hosts"; "checkpoint" with NMPI_MIGRATION_MODE=checkpoint)
 * and, when source is not NULL, which model it
 * came from (a file, or the built-in figures and why), NUL-terminated. */
#define MPIX_MIGRATION_PATH_MAX   16
#define MPIX_MIGRATION_SOURCE_MAX 768
int MPIX_Migration_estimate_detail(int rank, int cluster, double *downtime, double *total,
                                   long long *bytes, char path[MPIX_MIGRATION_PATH_MAX],
                                   char source[MPIX_MIGRATION_SOURCE_MAX]);

/* Moves rank `rank` of comm to `cluster` (or MPIX_ANY_SPARE) only when the
 * model predicts a total cost below gain_seconds (what the caller expects
 * to win by the move); *moved = 1 when it moved, 0 when it stayed. Logs
 * what it decided and why (predicted total, gain, bytes, path, model) at
 * NMPI_LOG=info, and with NMPI_MIGRATION_REPORT=1. For another rank the
 * move is asked as MPIX_Migrate asks it (it happens at that rank's next
 * MPI call or preemption tick): *moved = 1 then means "asked". Errors: those of
 * MPIX_Migration_estimate and MPI_Migrateto, MPI_ERR_ARG for a NaN or
 * negative gain, through comm's error handler. */
int MPIX_Migrate_if(int rank, int cluster, double gain_seconds, MPI_Comm comm, int *moved);

/* Give back an error class, code or string added by MPI_Add_error_class,
 * MPI_Add_error_code or MPI_Add_error_string (MPI 4.1's
 * MPI_Remove_error_*; MPICH's test suite calls them MPIX_Delete_error_*).
 * A class goes only once its codes are gone. Returns MPI_SUCCESS, or
 * MPI_ERR_ARG for a number that is not an added one of the right kind. */
int MPIX_Delete_error_class(int errorclass);
int MPIX_Delete_error_code(int errorcode);
int MPIX_Delete_error_string(int errorcode);

#ifdef __cplusplus
}
#endif

#endif /* NANVIX_MPI_H */
