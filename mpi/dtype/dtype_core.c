/* dtype_core.c: datatype objects: handle table, references, descriptions of
 * the predefined types, and the type-map builder the constructors share.
 *
 * The table is an array of object pointers in the rank's root object; slot i
 * is handle MPI_DTYPE_HANDLE_BASE | (MPI_DTYPE_FIRST + i), so derived handles
 * never collide with MPICH's pair types (0x8c000000..4). A slot is reused only
 * once its object's last reference is gone. Predefined types get a
 * description built on demand (constant data, nothing per rank to keep).
 *
 * The builder flattens: every constructor appends its children's blocks at
 * their displacements, merging a block into the previous one when it starts
 * where that one ends and holds elements of the same basic type; bounds follow
 * MPI's type-map rules (explicit bounds of resized children win, struct
 * extents are padded to the alignment of their most aligned basic type).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

/* Alignment of a predefined type in a C struct (x86-64 SysV rules, which is
 * what MPICH pads struct extents with on this platform). */
static int builtin_align(const struct mpi_type_info *ti)
{
    switch (ti->family) {
    case MPI_TF_CFLOAT:
    case MPI_TF_FLOAT_INT:
    case MPI_TF_SHORT_INT:
    case MPI_TF_2INT:
    case MPI_TF_2FLOAT:
        return 4;
    case MPI_TF_CDOUBLE:
    case MPI_TF_DOUBLE_INT:
    case MPI_TF_LONG_INT:
    case MPI_TF_2DOUBLE:
        return 8;
    case MPI_TF_CLDOUBLE:
    case MPI_TF_LDOUBLE_INT:
        return 16;
    default:
        return ti->size < 16 ? ti->size : 16;
    }
}

/* The predefined types of the two parts of a pair type (2INT, FLOAT_INT...). */
static void pair_parts(const struct mpi_type_info *ti, MPI_Datatype *first, MPI_Datatype *second)
{
    *second = MPI_INT;
    switch (ti->family) {
    case MPI_TF_FLOAT_INT:
        *first = MPI_FLOAT;
        break;
    case MPI_TF_DOUBLE_INT:
        *first = MPI_DOUBLE;
        break;
    case MPI_TF_LONG_INT:
        *first = MPI_LONG;
        break;
    case MPI_TF_SHORT_INT:
        *first = MPI_SHORT;
        break;
    case MPI_TF_LDOUBLE_INT:
        *first = MPI_LONG_DOUBLE;
        break;
    case MPI_TF_2FLOAT:
        *first = *second = MPI_REAL;
        break;
    case MPI_TF_2DOUBLE:
        *first = *second = MPI_DOUBLE_PRECISION;
        break;
    default: /* MPI_TF_2INT */
        *first = *second = ti->handle == MPI_2INTEGER ? MPI_INTEGER : MPI_INT;
        break;
    }
}

/* Fills t with the description of predefined type ti. A pair type is two
 * blocks (value, then int or second value at its C struct offset). */
static void builtin_fill(const struct mpi_type_info *ti, struct mpi_dtype *t)
{
    int same =
        ti->family == MPI_TF_2INT || ti->family == MPI_TF_2FLOAT || ti->family == MPI_TF_2DOUBLE;
    MPI_Aint e1 =
        ti->elements == 2 ? (same ? ti->size / 2 : ti->size - (int)sizeof(int)) : ti->size;
    MPI_Aint e2 = ti->size - e1;
    MPI_Aint off2 = e2 ? (e1 + e2 - 1) / e2 * e2 : 0;
    MPI_Datatype b1 = ti->handle, b2;

    memset(t, 0, sizeof(*t));
    t->refs = 1;
    t->committed = 1;
    t->size = ti->size;
    t->ub = ti->extent;
    t->align = builtin_align(ti);
    t->elements = ti->elements;
    t->basic = ti->handle;
    t->basic_per = ti->elements;
    t->combiner = MPI_COMBINER_NAMED;
    t->blocks = t->inline_blocks;
    b2 = b1; /* a pair type's two parts have their own types */
    if (ti->elements == 2)
        pair_parts(ti, &b1, &b2);
    t->blocks[0] = (struct mpi_dtype_block){0, e1, e1, b1};
    t->nblocks = 1;
    if (e2 && off2 == e1 && e2 == e1)
        t->blocks[0].len = ti->size;
    else if (e2)
        t->blocks[t->nblocks++] = (struct mpi_dtype_block){off2, e2, e2, b2};
    t->true_ub = e2 ? off2 + e2 : e1;
    t->dense = t->true_ub == t->size;
}

struct mpi_dtype *mpi_dtype_object(struct mpi_rank_state *s, MPI_Datatype dt)
{
    int idx = (dt & MPI_DTYPE_INDEX_MASK) - MPI_DTYPE_FIRST;

    if (!s || (dt & ~MPI_DTYPE_INDEX_MASK) != MPI_DTYPE_HANDLE_BASE)
        return NULL;
    if (idx < 0 || idx >= s->dtypes.nslots)
        return NULL;
    return s->dtypes.slots[idx];
}

const struct mpi_dtype *mpi_dtype_resolve(struct mpi_rank_state *s, MPI_Datatype dt,
                                          struct mpi_dtype *tmp)
{
    const struct mpi_type_info *ti = mpi_type_get(dt);
    struct mpi_dtype *t;

    if (ti) {
        builtin_fill(ti, tmp);
        return tmp;
    }
    t = mpi_dtype_object(s, dt);
    return t && !t->freed ? t : NULL;
}

const struct mpi_dtype *mpi_dtype_held(struct mpi_rank_state *s, MPI_Datatype dt,
                                       struct mpi_dtype *tmp)
{
    const struct mpi_dtype *t = mpi_dtype_object(s, dt);

    return t ? t : mpi_dtype_resolve(s, dt, tmp);
}

int mpi_dtype_check_comm(struct mpi_rank_state *s, MPI_Datatype dt, struct mpi_dtype *tmp,
                         const struct mpi_dtype **t_p)
{
    const struct mpi_dtype *t = mpi_dtype_resolve(s, dt, tmp);

    if (!t || !t->committed)
        return MPI_ERR_TYPE;
    *t_p = t;
    return MPI_SUCCESS;
}

int mpi_dtype_check_size(struct mpi_rank_state *s, MPI_Datatype dt, MPI_Aint *size_p,
                         MPI_Aint *extent_p)
{
    const struct mpi_type_info *ti = mpi_type_get(dt);
    const struct mpi_dtype *t;

    if (ti) {
        *size_p = ti->size;
        *extent_p = ti->extent;
        return MPI_SUCCESS;
    }
    t = mpi_dtype_object(s, dt);
    if (!t || t->freed || !t->committed)
        return MPI_ERR_TYPE;
    *size_p = t->size;
    *extent_p = t->ub - t->lb;
    return MPI_SUCCESS;
}

void mpi_dtype_ref(struct mpi_rank_state *s, MPI_Datatype dt)
{
    struct mpi_dtype *t = mpi_dtype_object(s, dt);

    if (t)
        t->refs++;
}

void mpi_dtype_destroy(struct mpi_rank_state *s, struct mpi_dtype *t)
{
    int i;

    for (i = 0; i < t->ntypes; i++)
        mpi_dtype_unref(s, t->types[i]);
    mpi_dtype_extra_free(s, t->extra);
    if (t->blocks != t->inline_blocks)
        free(t->blocks);
    free(t->ints);
    free(t->aints);
    free(t->types);
    free(t);
}

void mpi_dtype_unref(struct mpi_rank_state *s, MPI_Datatype dt)
{
    struct mpi_dtype *t = mpi_dtype_object(s, dt);

    if (!t || --t->refs > 0)
        return;
    s->dtypes.slots[(dt & MPI_DTYPE_INDEX_MASK) - MPI_DTYPE_FIRST] = NULL;
    mpi_dtype_destroy(s, t);
}

struct mpi_dtype *mpi_dtype_new(void)
{
    struct mpi_dtype *t = calloc(1, sizeof(*t));

    if (t) {
        t->refs = 1;
        t->users = 1;
        t->basic = MPI_DATATYPE_NULL;
        t->align = 1;
    }
    return t;
}

/* Returns a free slot index (growing the table), or < 0. */
static int table_slot(struct mpi_dtype_table *tb)
{
    struct mpi_dtype **slots;
    int i, n;

    for (i = 0; i < tb->nslots; i++)
        if (!tb->slots[i])
            return i;
    n = tb->nslots ? tb->nslots * 2 : 16;
    if (n > MPI_DTYPE_INDEX_MASK - MPI_DTYPE_FIRST)
        return MPI_IERR_TOO_MANY;
    slots = realloc(tb->slots, sizeof(*slots) * (size_t)n);
    if (!slots)
        return -ENOMEM;
    memset(slots + tb->nslots, 0, sizeof(*slots) * (size_t)(n - tb->nslots));
    i = tb->nslots;
    tb->slots = slots;
    tb->nslots = n;
    return i;
}

int mpi_dtype_insert(struct mpi_rank_state *s, struct mpi_dtype *t, MPI_Datatype *dt_p)
{
    int i = table_slot(&s->dtypes);

    if (i < 0) {
        mpi_dtype_destroy(s, t);
        return i;
    }
    s->dtypes.slots[i] = t;
    t->handle = MPI_DTYPE_HANDLE_BASE | (i + MPI_DTYPE_FIRST);
    *dt_p = t->handle;
    return MPI_SUCCESS;
}

void mpi_dtype_teardown(struct mpi_rank_state *s)
{
    int i;

    /* Everything goes: references between types no longer matter. */
    for (i = 0; i < s->dtypes.nslots; i++) {
        struct mpi_dtype *t = s->dtypes.slots[i];
        if (!t)
            continue;
        mpi_dtype_extra_free(s, t->extra);
        if (t->blocks != t->inline_blocks)
            free(t->blocks);
        free(t->ints);
        free(t->aints);
        free(t->types);
        free(t);
    }
    free(s->dtypes.slots);
    mpi_dtype_extra_teardown(s);
    s->dtypes.slots = NULL;
    s->dtypes.nslots = 0;
}

int mpi_dtype_contig(const struct mpi_dtype *t, MPI_Count count)
{
    return t->dense && (count <= 1 || t->ub - t->lb == t->size);
}

MPI_Count mpi_dtype_elements(const struct mpi_dtype *t, MPI_Count bytes)
{
    MPI_Count n, rem;
    MPI_Aint i;

    if (t->size == 0)
        return 0;
    n = bytes / t->size * t->elements;
    rem = bytes % t->size;
    for (i = 0; i < t->nblocks && rem > 0; i++) {
        MPI_Count part = rem < t->blocks[i].len ? rem : t->blocks[i].len;
        if (part % t->blocks[i].esize)
            return MPI_UNDEFINED;
        n += part / t->blocks[i].esize;
        rem -= part;
    }
    return n;
}

/* ---- the builder --------------------------------------------------------- */

void mpi_dtype_build_begin(struct mpi_dtype_builder *b, struct mpi_dtype *t)
{
    memset(b, 0, sizeof(*b));
    b->t = t;
}

/* Appends one block, merging it into the last one when they touch. */
static void build_push(struct mpi_dtype_builder *b, MPI_Aint off, MPI_Aint len, MPI_Aint esize,
                       MPI_Datatype basic)
{
    struct mpi_dtype *t = b->t;
    struct mpi_dtype_block *last = t->nblocks ? &t->blocks[t->nblocks - 1] : NULL;
    struct mpi_dtype_block *nb;

    if (len == 0 || b->err)
        return;
    if (last && last->off + last->len == off && last->esize == esize && last->basic == basic) {
        last->len += len;
        return;
    }
    if (t->nblocks == b->cap) {
        MPI_Aint cap = b->cap ? b->cap * 2 : 4;
        nb = realloc(t->blocks, sizeof(*nb) * (size_t)cap);
        if (!nb) {
            b->err = -ENOMEM;
            return;
        }
        t->blocks = nb;
        b->cap = cap;
    }
    t->blocks[t->nblocks++] = (struct mpi_dtype_block){off, len, esize, basic};
}

/* Bounds, counts and the basic type of count copies of child. */
static void build_account(struct mpi_dtype_builder *b, const struct mpi_dtype *child, MPI_Aint disp,
                          MPI_Count count, MPI_Aint stride)
{
    struct mpi_dtype *t = b->t;
    MPI_Aint last = disp + (MPI_Aint)(count - 1) * stride;
    MPI_Aint lo = (disp < last ? disp : last) + child->lb;
    MPI_Aint hi = (disp > last ? disp : last) + child->ub;

    if (child->marked) {
        mpi_dtype_build_marker(b, lo, 0);
        mpi_dtype_build_marker(b, hi, 1);
    }
    if (!b->any) {
        t->lb = lo;
        t->ub = hi;
        t->basic = child->basic;
        t->basic_per = child->basic_per;
    } else {
        t->lb = t->lb < lo ? t->lb : lo;
        t->ub = t->ub > hi ? t->ub : hi;
        if (t->basic != child->basic)
            t->basic = MPI_DATATYPE_NULL;
    }
    b->any = 1;
    t->size += (MPI_Aint)count * child->size;
    t->elements += count * child->elements;
    t->align = t->align > child->align ? t->align : child->align;
}

void mpi_dtype_build_marker(struct mpi_dtype_builder *b, MPI_Aint disp, int ub)
{
    if (ub) {
        b->mub = b->has_mub && b->mub > disp ? b->mub : disp;
        b->has_mub = 1;
    } else {
        b->mlb = b->has_mlb && b->mlb < disp ? b->mlb : disp;
        b->has_mlb = 1;
    }
}

void mpi_dtype_build_add(struct mpi_dtype_builder *b, const struct mpi_dtype *child, MPI_Aint disp,
                         MPI_Count count, MPI_Aint stride)
{
    const struct mpi_dtype_block *cb = child->blocks;
    MPI_Count k;
    MPI_Aint i;

    if (count <= 0)
        return;
    build_account(b, child, disp, count, stride);
    if (child->nblocks == 1 && stride == child->size) { /* a run: one block */
        build_push(b, disp + cb[0].off, (MPI_Aint)count * cb[0].len, cb[0].esize, cb[0].basic);
        return;
    }
    for (k = 0; k < count && child->nblocks > 0; k++)
        for (i = 0; i < child->nblocks; i++)
            build_push(b, disp + (MPI_Aint)k * stride + cb[i].off, cb[i].len, cb[i].esize,
                       cb[i].basic);
}

int mpi_dtype_build_end(struct mpi_dtype_builder *b, int struct_pad)
{
    struct mpi_dtype *t = b->t;
    MPI_Aint i, lo, hi;

    if (b->err)
        return b->err;
    if (b->has_mlb)
        t->lb = b->mlb;
    if (b->has_mub)
        t->ub = b->mub;
    /* markers only: a bound without a marker stays 0 ({(LB,10)}: extent -10) */
    t->marked = b->has_mlb || b->has_mub;
    if (!b->has_mub && struct_pad && t->align > 1) {
        MPI_Aint ext = t->ub - t->lb;
        if (ext % t->align)
            t->ub += t->align - ext % t->align;
    }
    t->dense = 1;
    lo = t->nblocks ? t->blocks[0].off : 0;
    hi = t->nblocks ? t->blocks[0].off + t->blocks[0].len : 0;
    for (i = 1; i < t->nblocks; i++) {
        if (t->blocks[i - 1].off + t->blocks[i - 1].len != t->blocks[i].off)
            t->dense = 0;
        lo = t->blocks[i].off < lo ? t->blocks[i].off : lo;
        hi = t->blocks[i].off + t->blocks[i].len > hi ? t->blocks[i].off + t->blocks[i].len : hi;
    }
    t->true_lb = lo;
    t->true_ub = hi;
    return 0;
}
