/* comm_table.c: the communicator table and MPI_Comm_rank/size.
 *
 * The table lives in the root object and maps a handle's index bits to a
 * struct mpi_comm. Index 0 is MPI_COMM_WORLD and 1 is MPI_COMM_SELF (builtin
 * handles 0x44000000 | index); communicators made later by dup/split take
 * the next indices with MPICH's "direct" handle form 0x84000000 | index. Each
 * communicator owns two cv context ids, an even one for point-to-point and
 * the next odd one for collectives, and its group as an array of world ranks.
 * New communicators are made in comm_create.c, attributes in comm_attr.c.
 */
#include <errno.h>
#include <stdlib.h>
#include "comm.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Comm_rank = PMPI_Comm_rank
#pragma weak MPI_Comm_size = PMPI_Comm_size

/* Builds a communicator of size ranks from group (taken over), stores it at
 * index idx of the table. Returns MPI_SUCCESS or -ENOMEM. */
static int comm_add(struct mpi_rank_state *s, int idx, MPI_Comm handle, int *group, int size,
                    int my_world_rank)
{
    struct mpi_comm *c = calloc(1, sizeof(*c));
    int i;

    if (!c)
        return -ENOMEM;
    c->handle = handle;
    c->size = size;
    c->group = group;
    c->rank = MPI_UNDEFINED;
    c->is_world = 1;
    for (i = 0; i < size; i++) {
        if (group[i] == my_world_rank)
            c->rank = i;
        if (group[i] != i)
            c->is_world = 0;
    }
    c->ctx = s->next_ctx;
    c->coll_ctx = s->next_ctx + 1;
    s->next_ctx += 2;
    c->errh = MPI_ERRORS_ARE_FATAL;
    c->refs = 1;
    s->comms[idx] = c;
    return MPI_SUCCESS;
}

int mpi_comm_setup(struct mpi_rank_state *s, int world_rank, int world_size)
{
    int *wgroup = malloc(sizeof(int) * (size_t)world_size);
    int *sgroup = malloc(sizeof(int));
    int i, err;

    s->comms = calloc(2, sizeof(*s->comms));
    if (!wgroup || !sgroup || !s->comms)
        goto err_nomem;
    s->ncomms = 2;
    for (i = 0; i < world_size; i++)
        wgroup[i] = i;
    sgroup[0] = world_rank;
    err = comm_add(s, 0, MPI_COMM_WORLD, wgroup, world_size, world_rank);
    if (err)
        goto err_nomem;
    wgroup = NULL;
    err = comm_add(s, 1, MPI_COMM_SELF, sgroup, 1, world_rank);
    if (err)
        goto err_nomem;
    return MPI_SUCCESS;

err_nomem:
    free(wgroup);
    free(sgroup);
    mpi_comm_teardown(s);
    return -ENOMEM;
}

void mpi_comm_teardown(struct mpi_rank_state *s)
{
    int i;

    for (i = 0; i < s->ncomms; i++) {
        if (!s->comms[i])
            continue;
        mpi_comm_destroy(s, s->comms[i]);
    }
    free(s->comms);
    s->comms = NULL;
    s->ncomms = 0;
}

struct mpi_comm *mpi_comm_get(struct mpi_rank_state *s, MPI_Comm h)
{
    int idx = h & MPI_COMM_HANDLE_INDEX;
    int kind = h & ~MPI_COMM_HANDLE_INDEX;

    if (kind == MPI_COMM_HANDLE_BUILTIN && idx > 1)
        return NULL;
    if (kind == MPI_COMM_HANDLE_DIRECT && idx < 2)
        return NULL;
    if (kind != MPI_COMM_HANDLE_BUILTIN && kind != MPI_COMM_HANDLE_DIRECT)
        return NULL;
    if (idx >= s->ncomms)
        return NULL;
    return s->comms[idx];
}

int mpi_comm_is_inter(const struct mpi_comm *c)
{
    return c->remote != NULL;
}

int mpi_comm_to_world(const struct mpi_comm *c, int r)
{
    if (c->remote && !(r & MPI_COMM_LOCAL_PEER))
        return c->remote[r];
    return c->group[r & ~MPI_COMM_LOCAL_PEER];
}

int mpi_comm_from_world(const struct mpi_comm *c, int w)
{
    int i;

    for (i = 0; c->remote && i < c->remote_size; i++)
        if (c->remote[i] == w)
            return i;
    if (c->remote)
        return MPI_UNDEFINED;

    if (c->is_world)
        return w >= 0 && w < c->size ? w : MPI_UNDEFINED;
    for (i = 0; i < c->size; i++)
        if (c->group[i] == w)
            return i;
    return MPI_UNDEFINED;
}

int PMPI_Comm_rank(MPI_Comm comm, int *rank)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !rank)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_rank");
    *rank = c->rank;
    return MPI_SUCCESS;
}

int PMPI_Comm_size(MPI_Comm comm, int *size)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !size)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_size");
    *size = c->size;
    return MPI_SUCCESS;
}
