/* comm_create.c: making and freeing communicators (Comm_dup, Comm_split,
 * Comm_split_type, Comm_create, Comm_free).
 *
 * A new communicator needs context ids that no member uses for anything
 * else. Every rank keeps next_ctx in its root object, above every id it has
 * ever used; the members of the parent agree on the maximum of their
 * next_ctx (a dissemination allreduce, or the allgather of Comm_split) and
 * the new communicator takes that value (point-to-point) and the next one
 * (collectives); every parent member then moves next_ctx past both, even if
 * it gets MPI_COMM_NULL. Two ranks that share the new communicator therefore
 * give it the same ids, and no rank ever reuses an id. The counter is
 * ordinary per-rank state in the container, so agreement needs no server
 * and survives migration. Ids are never recycled: 2^30 communicators before
 * the int wraps.
 *
 * Table slots freed by MPI_Comm_free are reused; the struct itself lives
 * until its last pending request completes (refs).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "coll.h"
#include "comm.h"
#include "comm_attr.h"
#include "comm_group.h"
#include "topo.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "info.h"
#include "cv.h"

#pragma weak MPI_Comm_dup = PMPI_Comm_dup
#pragma weak MPI_Comm_split = PMPI_Comm_split
#pragma weak MPI_Comm_split_type = PMPI_Comm_split_type
#pragma weak MPI_Comm_create = PMPI_Comm_create
#pragma weak MPI_Comm_free = PMPI_Comm_free

/* Largest next_ctx among the members of c, by dissemination: in round k a
 * rank passes the maximum it knows to rank + k and takes the one of
 * rank - k; after ceil(log2 size) rounds all know the global maximum.
 * Returns 0 or < 0. */
int mpi_comm_ctx_agree(struct mpi_comm *c, int mine, int *max_p)
{
    int k, other, err = 0;

    for (k = 1; k < c->size && !err; k <<= 1) {
        err =
            mpi_coll_sendrecv(c, &mine, sizeof(mine), (c->rank + k) % c->size, &other,
                              sizeof(other), (c->rank - k + c->size) % c->size, MPI_COLL_TAG_COMM);
        if (!err && other > mine)
            mine = other;
    }
    *max_p = mine;
    return err;
}

/* A free index of the comm table (>= 2), growing it if needed. Returns the
 * index or -ENOMEM. */
static int comm_slot(struct mpi_rank_state *s)
{
    struct mpi_comm **t;
    int i, n;

    for (i = 2; i < s->ncomms; i++)
        if (!s->comms[i])
            return i;
    n = s->ncomms * 2;
    t = realloc(s->comms, sizeof(*t) * (size_t)n);
    if (!t)
        return -ENOMEM;
    for (i = s->ncomms; i < n; i++)
        t[i] = NULL;
    i = s->ncomms;
    s->comms = t;
    s->ncomms = n;
    return i;
}

int mpi_comm_new(struct mpi_rank_state *s, struct mpi_comm *parent, int *ranks, int n, int ctx,
                 struct mpi_comm **c_p)
{
    struct mpi_comm *c = calloc(1, sizeof(*c));
    int idx = comm_slot(s), me = cv_rank(), i;

    if (!c || idx < 0) {
        free(c);
        free(ranks);
        return -ENOMEM;
    }
    c->handle = MPI_COMM_HANDLE_DIRECT | idx;
    c->size = n;
    c->group = ranks;
    c->rank = MPI_UNDEFINED;
    c->is_world = 1;
    for (i = 0; i < n; i++) {
        if (ranks[i] == me)
            c->rank = i;
        if (ranks[i] != i)
            c->is_world = 0;
    }
    c->ctx = ctx;
    c->coll_ctx = ctx + 1;
    c->errh = parent->errh;
    mpi_errh_ref(s, c->errh);
    c->refs = 1;
    s->comms[idx] = c;
    *c_p = c;
    return MPI_SUCCESS;
}

void mpi_comm_destroy(struct mpi_rank_state *s, struct mpi_comm *c)
{
    mpi_info_destroy(c->hints);
    mpi_errh_unref(s, c->errh);
    mpi_topo_free(c->topo);
    free(c->group);
    free(c->remote);
    free(c);
}

void mpi_comm_unref(struct mpi_comm *c)
{
    struct mpi_rank_state *s = mpi_state();

    if (--c->refs == 0)
        mpi_comm_destroy(s, c);
}

void mpi_comm_drop(struct mpi_rank_state *s, struct mpi_comm *c)
{
    s->comms[c->handle & MPI_COMM_HANDLE_INDEX] = NULL;
    mpi_comm_unref(c);
}

/* Copy of c's rank list, or NULL. */
static int *ranks_dup(const int *ranks, int n)
{
    int *r = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));

    if (r)
        memcpy(r, ranks, sizeof(int) * (size_t)n);
    return r;
}

int PMPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c, *n = NULL;
    int ctx = 0, *ranks = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !newcomm)
        err = MPI_ERR_ARG;
    if (!err) /* an intercommunicator's dup is made whole by comm_inter_make.c */
        err = mpi_comm_is_inter(c) ? mpi_inter_dup(s, c, &n)
                                   : mpi_comm_ctx_agree(c, mpi_comm_ctx_offer(s), &ctx);
    if (!err && !n) {
        mpi_comm_ctx_taken(s, ctx);
        ranks = ranks_dup(c->group, c->size);
        err = ranks ? mpi_comm_new(s, c, ranks, c->size, ctx, &n) : -ENOMEM;
    }
    if (!err) {
        err = mpi_attr_copy_all(s, c, n);
        if (!err)
            err = mpi_comm_hints_copy(c, n);
        if (!err && c->topo && !(n->topo = mpi_topo_dup(c->topo)))
            err = -ENOMEM; /* the topology is copied too (MPI-3.1 7.4.2) */
        if (err) {
            mpi_attr_delete_all(s, n);
            mpi_comm_drop(s, n);
        }
    }
    if (err && newcomm)
        *newcomm = MPI_COMM_NULL; /* as MPICH: a failed copy callback leaves no half-made comm */
    if (err)
        return mpi_error(comm, err, "MPI_Comm_dup");
    *newcomm = n->handle;
    return MPI_SUCCESS;
}

/* One rank's contribution to MPI_Comm_split. */
struct split_entry {
    int color;
    int key;
    int next_ctx;
    int rank; /* parent rank, filled in locally after the exchange */
};

/* Ring allgather of one entry per rank of c into all[0..size). Returns 0 or < 0. */
static int split_gather(struct mpi_comm *c, const struct split_entry *mine, struct split_entry *all)
{
    int n = c->size, right = (c->rank + 1) % n, left = (c->rank - 1 + n) % n;
    int step, err = 0;

    all[c->rank] = *mine;
    for (step = 0; step < n - 1 && !err; step++) {
        int send = (c->rank - step + n) % n;
        int recv = (c->rank - step - 1 + n) % n;
        err = mpi_coll_sendrecv(c, &all[send], sizeof(all[0]), right, &all[recv], sizeof(all[0]),
                                left, MPI_COLL_TAG_COMM);
    }
    return err;
}

/* Orders entries by key, then by parent rank. */
static int split_cmp(const void *a, const void *b)
{
    const struct split_entry *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Exchanges (color, key, next_ctx), agrees on the context ids and builds
 * this rank's part of the split (none for MPI_UNDEFINED). Returns
 * MPI_SUCCESS or < 0; *n_p is NULL for MPI_UNDEFINED. */
int mpi_comm_split_build(struct mpi_rank_state *s, struct mpi_comm *c, int color, int key,
                         struct mpi_comm **n_p)
{
    struct split_entry mine = {color, key, mpi_comm_ctx_offer(s), 0};
    struct split_entry *all = malloc(sizeof(*all) * (size_t)c->size);
    int i, n = 0, ctx = 0, err, *ranks = NULL;

    *n_p = NULL;
    err = all ? split_gather(c, &mine, all) : -ENOMEM;
    for (i = 0; !err && i < c->size; i++) {
        all[i].rank = i;
        if (all[i].next_ctx > ctx)
            ctx = all[i].next_ctx;
        if (color != MPI_UNDEFINED && all[i].color == color)
            all[n++] = all[i]; /* n <= i: compacting in place is safe */
    }
    if (!err)
        mpi_comm_ctx_taken(s, ctx);
    if (!err && color != MPI_UNDEFINED) {
        qsort(all, (size_t)n, sizeof(*all), split_cmp);
        ranks = malloc(sizeof(int) * (size_t)n);
        for (i = 0; ranks && i < n; i++)
            ranks[i] = c->group[all[i].rank];
        err = ranks ? mpi_comm_new(s, c, ranks, n, ctx, n_p) : -ENOMEM;
    }
    free(all);
    return err;
}

int PMPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c, *n = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !newcomm)
        err = MPI_ERR_ARG;
    if (!err && color < 0 && color != MPI_UNDEFINED)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_comm_is_inter(c) ? mpi_inter_split(s, c, color, key, &n)
                                   : mpi_comm_split_build(s, c, color, key, &n);
    if (err)
        return mpi_error(comm, err, "MPI_Comm_split");
    *newcomm = n ? n->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

/* The resource type MPI_COMM_TYPE_HW_GUIDED names in its info, and the one
 * MPI_COMM_TYPE_HW_UNGUIDED reports. */
#define SPLIT_HW_KEY    "mpi_hw_resource_type"
#define SPLIT_HW_SHARED "mpi_shared_memory"

/* Which ranks of c share this one's hardware for split_type. A rank's
 * memory is its container, which can move to another node at any time, so
 * no two ranks can count on sharing memory or any other resource:
 * MPI_COMM_TYPE_SHARED, and HW_GUIDED with "mpi_shared_memory", give every
 * rank a communicator of its own; HW_UNGUIDED does too (strictly smaller
 * than c, as the standard asks, so MPI_COMM_NULL when c has one rank) and
 * names "mpi_shared_memory" in the info. HW_GUIDED without the key, or with
 * a resource a moving rank cannot be bound to (a socket, a cache, a NIC),
 * gives MPI_COMM_NULL, which the standard prescribes for types the
 * implementation does not provide. Sets *alone (1: a communicator of its
 * own, 0: MPI_COMM_NULL; for MPIX_COMM_TYPE_NEIGHBORHOOD the color of the
 * group, 0 for none) or returns MPI_ERR_ARG for another split type. */
/* MPICH's MPIX_COMM_TYPE_NEIGHBORHOOD with "nbhd_common_dirname": the
 * ranks that reach the same directory. Its color: a 31-bit FNV-1a hash of
 * the directory's real path, plus one (0 stays "no communicator"), or 0
 * when the key is absent or the directory cannot be reached (so a
 * misspelt name gives MPI_COMM_NULL). The path is the rank's claim that
 * the directory is common (a shared file system): a rank that moves to
 * another host keeps its group. Other hints (MPICH's "network_topo") are
 * not provided: MPI_COMM_NULL. */
static int split_nbhd_color(const struct mpi_info *i)
{
    const char *dir = i ? mpi_info_lookup(i, "nbhd_common_dirname") : NULL;
    char *real = dir ? realpath(dir, NULL) : NULL;
    uint32_t h = 2166136261u;
    struct stat st;

    if (!real || stat(real, &st) != 0 || !S_ISDIR(st.st_mode) || access(real, R_OK | X_OK) != 0) {
        free(real);
        return 0;
    }
    for (const char *p = real; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    free(real);
    return (int)(h & 0x7ffffffe) + 1;
}

static int split_type_alone(struct mpi_rank_state *s, const struct mpi_comm *c, int split_type,
                            MPI_Info info, int *alone)
{
    struct mpi_info *i = info == MPI_INFO_NULL ? NULL : mpi_info_get(s, info);
    const char *want = i ? mpi_info_lookup(i, SPLIT_HW_KEY) : NULL;

    if (info != MPI_INFO_NULL && !i)
        return MPI_ERR_INFO;
    switch (split_type) {
    case MPI_COMM_TYPE_SHARED:
        *alone = 1;
        return MPI_SUCCESS;
    case MPI_COMM_TYPE_HW_GUIDED:
        *alone = want && strcmp(want, SPLIT_HW_SHARED) == 0;
        return MPI_SUCCESS;
    case MPIX_COMM_TYPE_NEIGHBORHOOD:
        *alone = mpi_comm_is_inter(c) ? 0 : split_nbhd_color(i);
        return MPI_SUCCESS;
    case MPI_COMM_TYPE_HW_UNGUIDED:
        *alone = (mpi_comm_is_inter(c) ? 1 : c->size) > 1;
        return *alone && i ? mpi_info_put(i, SPLIT_HW_KEY, SPLIT_HW_SHARED) : MPI_SUCCESS;
    default:
        return MPI_ERR_ARG;
    }
}

int PMPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info, MPI_Comm *newcomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c, *n = NULL;
    int err = mpi_enter(&s), alone = 0;

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !newcomm)
        err = MPI_ERR_ARG;
    if (!err && split_type != MPI_UNDEFINED)
        err = split_type_alone(s, c, split_type, info, &alone);
    /* Every member takes part in the split, MPI_COMM_NULL ones with
     * MPI_UNDEFINED; on an intercommunicator no remote rank shares this
     * one's memory either. */
    if (!err && split_type == MPIX_COMM_TYPE_NEIGHBORHOOD && alone)
        err = mpi_comm_split_build(s, c, alone, key, &n);
    else if (!err && !alone)
        err = mpi_comm_is_inter(c) ? mpi_inter_split(s, c, MPI_UNDEFINED, key, &n)
                                   : mpi_comm_split_build(s, c, MPI_UNDEFINED, key, &n);
    else if (!err)
        err = mpi_comm_is_inter(c) ? mpi_inter_split(s, c, cv_rank(), key, &n)
                                   : mpi_comm_split_build(s, c, c->rank, key, &n);
    if (err)
        return mpi_error(comm, err, "MPI_Comm_split_type");
    *newcomm = n ? n->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

/* MPI_SUCCESS when every member of g belongs to c, else MPI_ERR_GROUP. */
static int check_subgroup(const struct mpi_comm *c, const struct mpi_group *g)
{
    int i;

    for (i = 0; i < g->size; i++)
        if (mpi_comm_from_world(c, g->ranks[i]) == MPI_UNDEFINED)
            return MPI_ERR_GROUP;
    return MPI_SUCCESS;
}

/* Comm_create over intracommunicator c; *n_p stays NULL outside g. */
static int create_intra(struct mpi_rank_state *s, struct mpi_comm *c, const struct mpi_group *g,
                        struct mpi_comm **n_p)
{
    int ctx = 0, *ranks, err = check_subgroup(c, g);

    if (!err)
        err = mpi_comm_ctx_agree(c, mpi_comm_ctx_offer(s), &ctx);
    if (!err)
        mpi_comm_ctx_taken(s, ctx);
    if (!err && mpi_group_rank_of(g, cv_rank()) != MPI_UNDEFINED) {
        ranks = ranks_dup(g->ranks, g->size);
        err = ranks ? mpi_comm_new(s, c, ranks, g->size, ctx, n_p) : -ENOMEM;
    }
    return err;
}

int PMPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c, *n = NULL;
    const struct mpi_group *g = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !newcomm)
        err = MPI_ERR_ARG;
    if (!err && !(g = mpi_group_get(s, group)))
        err = MPI_ERR_GROUP;
    if (!err)
        err = mpi_comm_is_inter(c) ? mpi_inter_create(s, c, group, &n) : create_intra(s, c, g, &n);
    if (err)
        return mpi_error(comm, err, "MPI_Comm_create");
    *newcomm = n ? n->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

/* The delete callbacks run first; if one fails its error is returned and
 * the communicator is freed all the same (its attributes are gone). */
int PMPI_Comm_free(MPI_Comm *comm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c = NULL;
    MPI_Comm h = comm ? *comm : MPI_COMM_NULL;
    int err = mpi_enter(&s);

    if (!err && !comm)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_check_comm(s, h, &c);
    if (!err && (h == MPI_COMM_WORLD || h == MPI_COMM_SELF))
        err = MPI_ERR_COMM;
    if (err)
        return mpi_error(h, err, "MPI_Comm_free");
    err = mpi_attr_delete_all(s, c);
    mpi_comm_drop(s, c);
    *comm = MPI_COMM_NULL;
    return err ? mpi_error(MPI_COMM_WORLD, err, "MPI_Comm_free") : MPI_SUCCESS;
}
