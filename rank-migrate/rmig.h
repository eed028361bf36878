/* rmig.h: the migration daemon's contract (rank-migrate layer).
 *
 * Every cluster runs the daemon's side of the runtime: it boots the cluster
 * (knode_setup), decides whether the cluster starts with a rank or as an
 * idle spare, keeps spares waiting on the control mailbox, and ends them when
 * the job ends. The job shape comes from the launcher front end: NMPI_NRANKS
 * (ranks) or NMPI_SPARES (clusters beyond the ranks); with neither, every
 * cluster hosts a rank.
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * errno value on failure.
 */
#ifndef RMIG_H
#define RMIG_H

/* Control mailbox port of every cluster (migration daemon traffic). */
#define RMIG_CONTROL_PORT 1

/* Number of logical ranks of the job, and of spare clusters at start. */
int rmig_rank_count(void);
int rmig_spare_count(void);

/* Tells every cluster that hosts no rank (those not in host_of_rank) that
 * the job is over. Called by one rank once all ranks reached the end. */
int rmig_end_idle_clusters(const int *host_of_rank, int nranks);

/* Leaves the job on this cluster: barrier with every cluster, then fabric
 * and launcher teardown. Returns 0 or -EIO. */
int rmig_cluster_leave(void);

#endif /* RMIG_H */
