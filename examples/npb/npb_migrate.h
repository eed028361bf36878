/* npb_migrate.h: the migration schedule of the NPB kernels (private to examples/npb).
 *
 * A schedule is `RANK@ITER[,RANK@ITER...]`: at iteration ITER of the timed
 * loop, rank RANK moves itself to any spare cluster. npb_migrate_point() is
 * declared in npb_common.h because the kernels call it.
 */
#ifndef NPB_MIGRATE_H
#define NPB_MIGRATE_H

/* Parses `spec` (NULL: no schedule) for a job of `size` ranks and looks the
 * migration calls up. Returns 0, or -1 when the schedule is malformed or
 * names a rank outside the job (rank 0 has printed why). */
int npb_migrate_parse(const char *spec, int size);

/* Collective: rank 0 prints one line per scheduled move (cluster change, time,
 * downtime, bytes; or why it did not happen) and the total migration time as
 * a share of `run_time`. Prints nothing without a schedule. */
void npb_migrate_report(double run_time);

/* Parses `ITER:DIR[:kill]` (NULL: no checkpoint) and looks MPIX_Checkpoint
 * up. Returns 0, or -1 when malformed (npb_checkpoint.c). */
int npb_checkpoint_parse(const char *spec);

/* Every rank, at iteration `iter` of the timed loop: the checkpoint if it
 * is scheduled there (from npb_migrate_point). */
void npb_checkpoint_point(int iter);

/* Parses `--pace MS` (NULL: none). Returns 0, or -1 when malformed
 * (npb_pace.c). */
int npb_pace_parse(const char *spec);

/* Every rank, at each iteration of the timed loop: the pause, if any. */
void npb_pace_point(void);

#endif
