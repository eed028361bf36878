/* dtype_create.c: the datatype constructors, MPI_Type_commit and MPI_Type_free.
 *
 * Each constructor checks its arguments, flattens the new type map with the
 * builder of dtype_core.c (the old types' blocks placed at the new
 * displacements), records its arguments for MPI_Type_get_contents and enters
 * the object in the rank's table. MPI_Type_create_struct also takes MPI-1's
 * MPI_LB and MPI_UB markers, which set a bound and carry no data. Commit only marks the type usable
 * for communication: the flattened form is already what packing needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dtype.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Type_contiguous = PMPI_Type_contiguous
#pragma weak MPI_Type_vector = PMPI_Type_vector
#pragma weak MPI_Type_create_hvector = PMPI_Type_create_hvector
#pragma weak MPI_Type_hvector = PMPI_Type_hvector
#pragma weak MPI_Type_indexed = PMPI_Type_indexed
#pragma weak MPI_Type_create_hindexed = PMPI_Type_create_hindexed
#pragma weak MPI_Type_create_indexed_block = PMPI_Type_create_indexed_block
#pragma weak MPI_Type_create_hindexed_block = PMPI_Type_create_hindexed_block
#pragma weak MPI_Type_create_struct = PMPI_Type_create_struct
#pragma weak MPI_Type_create_resized = PMPI_Type_create_resized
#pragma weak MPI_Type_dup = PMPI_Type_dup
#pragma weak MPI_Type_commit = PMPI_Type_commit
#pragma weak MPI_Type_free = PMPI_Type_free

#define EXTENT(t) ((t)->ub - (t)->lb)

/* The state of one constructor call: the old type(s) checked, the new
 * object and its builder. */
struct ctor {
    struct mpi_rank_state *s;
    struct mpi_dtype tmp; /* predefined old type's description */
    const struct mpi_dtype *old;
    struct mpi_dtype *t;
    struct mpi_dtype_builder b;
};

/* Checks shared by all constructors (MPI initialized, output pointer) and
 * the new empty object. Returns MPI_SUCCESS or an error. */
static int ctor_new(struct ctor *k, const MPI_Datatype *newtype)
{
    int err = mpi_enter(&k->s);

    k->t = NULL;
    if (err)
        return err;
    if (!newtype)
        return MPI_ERR_ARG;
    k->t = mpi_dtype_new();
    if (!k->t)
        return -ENOMEM;
    mpi_dtype_build_begin(&k->b, k->t);
    return MPI_SUCCESS;
}

/* ctor_new for the constructors of one old type, which must be valid. */
static int ctor_begin(struct ctor *k, MPI_Datatype oldtype, const MPI_Datatype *newtype)
{
    int err = ctor_new(k, newtype);

    if (!err && !(k->old = mpi_dtype_resolve(k->s, oldtype, &k->tmp)))
        err = MPI_ERR_TYPE;
    return err;
}

/* Allocates the contents arrays of t and takes references on its types. */
static int ctor_contents(struct ctor *k, int combiner, int ni, int na, int nt)
{
    struct mpi_dtype *t = k->t;

    t->combiner = combiner;
    t->nints = ni;
    t->naints = na;
    t->ints = ni ? malloc(sizeof(int) * (size_t)ni) : NULL;
    t->aints = na ? malloc(sizeof(MPI_Aint) * (size_t)na) : NULL;
    t->types = nt ? calloc((size_t)nt, sizeof(MPI_Datatype)) : NULL;
    if ((ni && !t->ints) || (na && !t->aints) || (nt && !t->types))
        return -ENOMEM;
    return MPI_SUCCESS;
}

/* Records type i of the contents (referenced until t is destroyed). */
static void ctor_type(struct ctor *k, int i, MPI_Datatype dt)
{
    k->t->types[i] = dt;
    k->t->ntypes = i + 1;
    mpi_dtype_ref(k->s, dt);
}

/* Finishes the builder and enters the type, or frees it after err. */
static int ctor_end(struct ctor *k, int err, int struct_pad, MPI_Datatype *newtype)
{
    if (!err)
        err = mpi_dtype_build_end(&k->b, struct_pad);
    if (!err)
        return mpi_dtype_insert(k->s, k->t, newtype);
    if (k->t)
        mpi_dtype_destroy(k->s, k->t);
    return err;
}

int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct ctor k = {0};
    int err = ctor_begin(&k, oldtype, newtype);

    if (!err && count < 0)
        err = MPI_ERR_COUNT;
    if (!err)
        err = ctor_contents(&k, MPI_COMBINER_CONTIGUOUS, 1, 0, 1);
    if (!err) {
        k.t->ints[0] = count;
        ctor_type(&k, 0, oldtype);
        mpi_dtype_build_add(&k.b, k.old, 0, count, EXTENT(k.old));
    }
    err = ctor_end(&k, err, 0, newtype);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_contiguous");
}

/* count blocks of blocklength old items, block i at i * stride bytes. */
static void add_hvector(struct ctor *k, int count, int blocklength, MPI_Aint stride)
{
    int i;

    for (i = 0; i < count; i++)
        mpi_dtype_build_add(&k->b, k->old, (MPI_Aint)i * stride, blocklength, EXTENT(k->old));
}

/* Vector and hvector: count blocks of blocklength items, `stride` apart
 * (in items for a vector, in bytes for an hvector, and kept as given in the
 * contents). Returns MPI_SUCCESS or an MPI error class. */
static int ctor_vector(int combiner, int count, int blocklength, MPI_Aint stride,
                       MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    int vector = combiner == MPI_COMBINER_VECTOR;
    struct ctor k = {0};
    int err = ctor_begin(&k, oldtype, newtype);

    if (!err && count < 0)
        err = MPI_ERR_COUNT;
    if (!err && blocklength < 0)
        err = MPI_ERR_ARG;
    if (!err)
        err = ctor_contents(&k, combiner, vector ? 3 : 2, vector ? 0 : 1, 1);
    if (!err) {
        k.t->ints[0] = count;
        k.t->ints[1] = blocklength;
        if (vector)
            k.t->ints[2] = (int)stride;
        else
            k.t->aints[0] = stride;
        ctor_type(&k, 0, oldtype);
        add_hvector(&k, count, blocklength, vector ? stride * EXTENT(k.old) : stride);
    }
    return ctor_end(&k, err, 0, newtype);
}

int PMPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                     MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    int err = ctor_vector(MPI_COMBINER_VECTOR, count, blocklength, stride, oldtype, newtype);

    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_vector");
}

int PMPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                             MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    int err = ctor_vector(MPI_COMBINER_HVECTOR, count, blocklength, stride, oldtype, newtype);

    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_hvector");
}

/* The MPI-1 name, still exported by MPICH. */
int PMPI_Type_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                      MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    return PMPI_Type_create_hvector(count, blocklength, stride, oldtype, newtype);
}

/* Checks count and the arrays of the indexed family (blens NULL: one
 * blocklength for all). */
static int check_indexed(int count, const int *blens, int blocklength, const void *disps)
{
    int i;

    if (count < 0)
        return MPI_ERR_COUNT;
    if (count > 0 && (!disps || (!blens && blocklength < 0)))
        return MPI_ERR_ARG;
    if (!blens)
        return MPI_SUCCESS;
    for (i = 0; i < count; i++)
        if (blens[i] < 0)
            return MPI_ERR_ARG;
    return MPI_SUCCESS;
}

/* The indexed family: block i has blens[i] (or blocklength) old items at
 * idisps[i] * extent (idisps) or adisps[i] bytes (adisps). */
static void add_indexed(struct ctor *k, int count, const int *blens, int blocklength,
                        const int *idisps, const MPI_Aint *adisps)
{
    int i;

    for (i = 0; i < count; i++) {
        /* cppcheck-suppress nullPointer ; both NULL only when count is 0 (check_indexed) */
        MPI_Aint disp = idisps ? (MPI_Aint)idisps[i] * EXTENT(k->old) : adisps[i];

        mpi_dtype_build_add(&k->b, k->old, disp, blens ? blens[i] : blocklength, EXTENT(k->old));
    }
}

/* Indexed and hindexed: block i has blens[i] items at idisps[i] items
 * (indexed) or adisps[i] bytes (hindexed), both kept as given in the
 * contents. Returns MPI_SUCCESS or an MPI error class. */
static int ctor_indexed(int combiner, int count, const int *blens, const int *idisps,
                        const MPI_Aint *adisps, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    int items = combiner == MPI_COMBINER_INDEXED;
    struct ctor k = {0};
    int err = ctor_begin(&k, oldtype, newtype);

    if (!err && count > 0 && !blens)
        err = MPI_ERR_ARG;
    if (!err)
        err = check_indexed(count, blens, 0, items ? (const void *)idisps : adisps);
    if (!err)
        err = ctor_contents(&k, combiner, items ? 2 * count + 1 : count + 1, items ? 0 : count, 1);
    if (!err) {
        k.t->ints[0] = count;
        memcpy(k.t->ints + 1, blens, sizeof(int) * (size_t)count);
        if (items)
            memcpy(k.t->ints + 1 + count, idisps, sizeof(int) * (size_t)count);
        else
            memcpy(k.t->aints, adisps, sizeof(MPI_Aint) * (size_t)count);
        ctor_type(&k, 0, oldtype);
        add_indexed(&k, count, blens, 0, idisps, adisps);
    }
    return ctor_end(&k, err, 0, newtype);
}

int PMPI_Type_indexed(int count, const int array_of_blocklengths[],
                      const int array_of_displacements[], MPI_Datatype oldtype,
                      MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    int err = ctor_indexed(MPI_COMBINER_INDEXED, count, array_of_blocklengths,
                           array_of_displacements, NULL, oldtype, newtype);

    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_indexed");
}

int PMPI_Type_create_hindexed(int count, const int array_of_blocklengths[],
                              const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    int err = ctor_indexed(MPI_COMBINER_HINDEXED, count, array_of_blocklengths, NULL,
                           array_of_displacements, oldtype, newtype);

    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_hindexed");
}

int PMPI_Type_create_indexed_block(int count, int blocklength, const int array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct ctor k = {0};
    int err = ctor_begin(&k, oldtype, newtype);

    if (!err)
        err = check_indexed(count, NULL, blocklength, array_of_displacements);
    if (!err)
        err = ctor_contents(&k, MPI_COMBINER_INDEXED_BLOCK, count + 2, 0, 1);
    if (!err) {
        k.t->ints[0] = count;
        k.t->ints[1] = blocklength;
        memcpy(k.t->ints + 2, array_of_displacements, sizeof(int) * (size_t)count);
        ctor_type(&k, 0, oldtype);
        add_indexed(&k, count, NULL, blocklength, array_of_displacements, NULL);
    }
    err = ctor_end(&k, err, 0, newtype);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_indexed_block");
}

int PMPI_Type_create_hindexed_block(int count, int blocklength,
                                    const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                                    MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct ctor k = {0};
    int err = ctor_begin(&k, oldtype, newtype);

    if (!err)
        err = check_indexed(count, NULL, blocklength, array_of_displacements);
    if (!err)
        err = ctor_contents(&k, MPI_COMBINER_HINDEXED_BLOCK, 2, count, 1);
    if (!err) {
        k.t->ints[0] = count;
        k.t->ints[1] = blocklength;
        memcpy(k.t->aints, array_of_displacements, sizeof(MPI_Aint) * (size_t)count);
        ctor_type(&k, 0, oldtype);
        add_indexed(&k, count, NULL, blocklength, NULL, array_of_displacements);
    }
    err = ctor_end(&k, err, 0, newtype);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_hindexed_block");
}

/* Checks the arrays of MPI_Type_create_struct; every type must be valid. */
static int check_struct(struct mpi_rank_state *s, int count, const int *blens,
                        const MPI_Aint *disps, const MPI_Datatype *types)
{
    struct mpi_dtype tmp;
    int i, err = check_indexed(count, blens, 0, disps);

    if (!err && count > 0 && (!blens || !types))
        err = MPI_ERR_ARG;
    for (i = 0; !err && i < count; i++)
        if (types[i] != MPI_LB && types[i] != MPI_UB && !mpi_dtype_resolve(s, types[i], &tmp))
            err = MPI_ERR_TYPE;
    return err;
}

int PMPI_Type_create_struct(int count, const int array_of_blocklengths[],
                            const MPI_Aint array_of_displacements[],
                            const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct ctor k = {0};
    struct mpi_dtype tmp;
    int i, err;

    err = ctor_new(&k, newtype);
    if (!err)
        err =
            check_struct(k.s, count, array_of_blocklengths, array_of_displacements, array_of_types);
    if (!err)
        err = ctor_contents(&k, MPI_COMBINER_STRUCT, count + 1, count, count);
    for (i = 0; !err && i < count; i++) {
        k.t->ints[i + 1] = array_of_blocklengths[i];
        k.t->aints[i] = array_of_displacements[i];
        ctor_type(&k, i, array_of_types[i]);
        if (array_of_types[i] == MPI_LB || array_of_types[i] == MPI_UB) { /* MPI-1 markers */
            mpi_dtype_build_marker(&k.b, array_of_displacements[i], array_of_types[i] == MPI_UB);
            continue;
        }
        const struct mpi_dtype *child = mpi_dtype_resolve(k.s, array_of_types[i], &tmp);
        mpi_dtype_build_add(&k.b, child, array_of_displacements[i], array_of_blocklengths[i],
                            EXTENT(child));
    }
    if (!err)
        k.t->ints[0] = count;
    err = ctor_end(&k, err, 1, newtype);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_struct");
}

int PMPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                             MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct ctor k = {0};
    int err = ctor_begin(&k, oldtype, newtype);

    if (!err)
        err = ctor_contents(&k, MPI_COMBINER_RESIZED, 0, 2, 1);
    if (!err) {
        k.t->aints[0] = lb;
        k.t->aints[1] = extent;
        ctor_type(&k, 0, oldtype);
        mpi_dtype_build_add(&k.b, k.old, 0, 1, EXTENT(k.old));
        err = mpi_dtype_build_end(&k.b, 0);
    }
    if (!err) { /* explicit bounds: they replace whatever the old type had */
        k.t->lb = lb;
        k.t->ub = lb + extent;
        k.t->marked = 1;
    }
    err = ctor_end(&k, err, 0, newtype);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_create_resized");
}

int PMPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    MPI_THREAD_GUARD();
    struct ctor k = {0};
    int err = ctor_begin(&k, oldtype, newtype);

    if (!err)
        err = ctor_contents(&k, MPI_COMBINER_DUP, 0, 0, 1);
    if (!err) {
        ctor_type(&k, 0, oldtype);
        mpi_dtype_build_add(&k.b, k.old, 0, 1, EXTENT(k.old));
        err = mpi_dtype_build_end(&k.b, 0);
    }
    if (!err) { /* the same type map, bounds and state as the original */
        k.t->lb = k.old->lb;
        k.t->ub = k.old->ub;
        k.t->marked = k.old->marked;
        k.t->align = k.old->align;
        k.t->committed = k.old->committed;
    }
    err = ctor_end(&k, err, 0, newtype);
    if (!err && (err = mpi_dtype_attr_dup(k.s, oldtype, mpi_dtype_object(k.s, *newtype)))) {
        mpi_dtype_unref(k.s, *newtype); /* a failed copy callback fails the dup */
        *newtype = MPI_DATATYPE_NULL;
    }
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_dup");
}

int PMPI_Type_commit(MPI_Datatype *datatype)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype tmp, *t;
    int err = mpi_enter(&s);

    if (!err && !datatype)
        err = MPI_ERR_ARG;
    if (!err && !mpi_dtype_resolve(s, *datatype, &tmp))
        err = MPI_ERR_TYPE;
    if (!err && (t = mpi_dtype_object(s, *datatype)))
        t->committed = 1;
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_commit");
}

/* The handle dies now; the object lives on while requests or other types
 * still reference it. Predefined types cannot be freed. */
int PMPI_Type_free(MPI_Datatype *datatype)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_dtype *t = NULL;
    int err = mpi_enter(&s);

    if (!err && !datatype)
        err = MPI_ERR_ARG;
    if (!err && (!(t = mpi_dtype_object(s, *datatype)) || t->freed))
        err = MPI_ERR_TYPE;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_free");
    if (--t->users == 0) { /* the handle goes: so do its attributes */
        t->freed = 1;
        err = mpi_dtype_attr_release(s, t);
    }
    mpi_dtype_unref(s, *datatype);
    *datatype = MPI_DATATYPE_NULL;
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Type_free");
}
