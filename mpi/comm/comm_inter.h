/* comm_inter.h: the steps intercommunicator construction is made of, private
 * to comm/ (comm_inter.c, comm_inter_make.c).
 *
 * Every construction on an intercommunicator follows one pattern: the local
 * group agrees among itself (over the local view below), the two leaders
 * (local rank 0 of each group) swap what their group agreed on over the
 * intercommunicator, and each leader broadcasts the other group's answer to
 * its group. All of it is blocking collective traffic with tag
 * MPI_COLL_TAG_COMM; local and cross messages share the collective context
 * and are told apart by sender, the groups being disjoint.
 */
#ifndef COMM_INTER_H
#define COMM_INTER_H

#include <stddef.h>
#include "comm.h"

#pragma GCC visibility push(hidden)

/* Fills *lv with an intracommunicator view of c's local group: a copy of c
 * without its remote group, to run local agreement steps on (never entered
 * in the table, never kept past the call). */
void mpi_inter_local_view(const struct mpi_comm *c, struct mpi_comm *lv);

/* Binomial broadcast of len bytes over intracommunicator c from root.
 * Returns 0 or < 0. */
int mpi_inter_bcast(struct mpi_comm *c, void *buf, size_t len, int root);

/* The leaders of intercommunicator c swap mine[0..n) for the remote
 * leader's theirs[0..m), then every local rank gets theirs from its leader.
 * Collective over both groups. Returns 0 or < 0. */
int mpi_inter_swap(struct mpi_comm *c, const int *mine, int n, int *theirs, int m);

/* Makes the intercommunicator of local ranks local[0..nl) and remote ranks
 * remote[0..nr) (world ranks, both taken over) on context ids ctx, ctx + 1,
 * with parent's error handler, and enters it in the table. Returns
 * MPI_SUCCESS or -ENOMEM (both arrays freed then). */
int mpi_inter_new(struct mpi_rank_state *s, struct mpi_comm *parent, int *local, int nl,
                  int *remote, int nr, int ctx, struct mpi_comm **n_p);

#pragma GCC visibility pop

#endif /* COMM_INTER_H */
