/* dtype.h: datatypes: the predefined ones (dtype_builtin.c) and the derived
 * ones, with their table, type maps, packing and reductions.
 *
 * A datatype is described by one struct mpi_dtype: its size, bounds and a
 * flattened type map, the list of (offset, length) byte blocks one item
 * covers, in type-map order, adjacent blocks of the same basic type merged.
 * Item k of a buffer is the same list shifted by k * extent. Packing walks the
 * list with memcpy; a type whose item is one dense run and whose extent equals
 * its size is "contiguous" and is sent or received in place (no copy).
 *
 * Derived datatypes belong to the rank: the table of them hangs from the root
 * object (struct mpi_rank_state) and every object is allocated in rank context,
 * so types migrate with the container. Predefined types are not in the table:
 * mpi_dtype_resolve() builds their description in a caller's temporary.
 * Objects are reference counted: the user's handle, every derived type whose
 * contents name it, and every request that packs or unpacks with it hold one
 * reference, so MPI_Type_free while a receive is pending is safe.

 *
 * Predefined types are a constant table indexed by MPICH's handle bits
 * (mpi_type_get), in families that select mpi_op.c's reduction kernels.
 * Datatypes in messages (packing for requests and schedules) are in
 * dtype_xfer.h.
 */
#ifndef DTYPE_H
#define DTYPE_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Derived handles: MPICH's direct datatype kind, 0x8c000000 | index. Indices
 * below MPI_DTYPE_FIRST are MPICH's predefined pair types (0..4). */
#define MPI_DTYPE_HANDLE_BASE ((int)0x8c000000)
#define MPI_DTYPE_FIRST       16
#define MPI_DTYPE_INDEX_MASK  0x03ffffff

struct mpi_dtype_block {
    MPI_Aint off;       /* offset from the item's origin (the buffer pointer) */
    MPI_Aint len;       /* bytes */
    MPI_Aint esize;     /* size of the basic elements in it (for Get_elements) */
    MPI_Datatype basic; /* the predefined type of those elements (external32);
                         * a pair type's value and int are separate blocks */
};

struct mpi_attr;

/* What a datatype carries besides its type map: the name given by
 * MPI_Type_set_name and the attributes (dtype_name.c, dtype_attr.c). A
 * derived type points at its own; predefined types get one per rank, in
 * the table's list, the first time a name or attribute is set on them. */
struct mpi_dtype_extra {
    MPI_Datatype handle;
    char name[MPI_MAX_OBJECT_NAME]; /* "" until set */
    struct mpi_attr *attrs;         /* mpi_attr.h, in the order set */
    struct mpi_dtype_extra *next;   /* predefined types' list */
};

struct mpi_dtype {
    MPI_Datatype handle; /* 0 for a predefined type's temporary description */
    int refs;            /* see the header comment */
    int committed;       /* MPI_Type_commit was called (predefined: 1) */
    int users;           /* user-held handles: 1 + get_contents copies */
    int freed;           /* users fell to 0: the handle is refused everywhere */
    MPI_Aint size;       /* bytes of data of one item */
    MPI_Aint lb, ub;     /* bounds: extent = ub - lb */
    MPI_Aint true_lb;    /* lowest byte of data */
    MPI_Aint true_ub;    /* one past the highest byte of data */
    int marked;          /* bounds set explicitly (resized), inherited */
    int align;           /* largest alignment of its basic types (struct padding) */
    int dense;           /* one item's data is one run [true_lb, true_lb + size) */
    MPI_Count elements;  /* basic elements of one item */
    MPI_Datatype basic;  /* the predefined type of every element, or NULL type */
    MPI_Count basic_per; /* basic elements of one `basic` item (2 for pairs) */
    MPI_Aint nblocks;    /* entries of blocks */
    struct mpi_dtype_block *blocks;
    struct mpi_dtype_block inline_blocks[2]; /* predefined types' blocks */
    /* MPI_Type_get_envelope / get_contents */
    int combiner;
    int nints, naints, ntypes;
    int *ints;
    MPI_Aint *aints;
    MPI_Datatype *types;           /* derived ones hold a reference */
    struct mpi_dtype_extra *extra; /* name and attributes, NULL until set */
};

struct mpi_dtype_table {
    struct mpi_dtype **slots; /* slot i is handle MPI_DTYPE_HANDLE_BASE | (i + FIRST) */
    int nslots;
    struct mpi_dtype_extra *builtin_extra; /* names/attributes set on predefined types */
};

struct mpi_rank_state;

/* dtype_builtin.c ---------------------------------------------------------- */

/* Families of predefined datatypes, one set of reduction kernels each. */
enum mpi_type_family {
    MPI_TF_NONE = 0, /* no reduction defined (MPI_PACKED, MPI_WCHAR...) */
    MPI_TF_I8,
    MPI_TF_U8,
    MPI_TF_I16,
    MPI_TF_U16,
    MPI_TF_I32,
    MPI_TF_U32,
    MPI_TF_I64,
    MPI_TF_U64,
    MPI_TF_FLOAT,
    MPI_TF_DOUBLE,
    MPI_TF_LDOUBLE,
    MPI_TF_CFLOAT,
    MPI_TF_CDOUBLE,
    MPI_TF_CLDOUBLE,
    MPI_TF_BOOL,     /* C _Bool, C++ bool */
    MPI_TF_FLOGICAL, /* Fortran LOGICAL (an int, non-zero is true) */
    MPI_TF_BYTE,     /* MPI_BYTE: bitwise operations only */
    MPI_TF_FLOAT_INT,
    MPI_TF_DOUBLE_INT,
    MPI_TF_LONG_INT,
    MPI_TF_SHORT_INT,
    MPI_TF_2INT,
    MPI_TF_LDOUBLE_INT,
    MPI_TF_2FLOAT,
    MPI_TF_2DOUBLE,
    MPI_TF_COUNT
};

struct mpi_type_info {
    MPI_Datatype handle; /* 0 marks an unused table entry */
    uint16_t size;       /* MPI_Type_size: bytes of data */
    uint16_t extent;     /* MPI_Type_get_extent: bytes one element spans */
    uint8_t elements;    /* basic elements per item (2 for the pair types) */
    uint8_t family;      /* enum mpi_type_family */
};

/* The description of a predefined datatype, or NULL for anything else. */
const struct mpi_type_info *mpi_type_get(MPI_Datatype dt);

/* dtype_core.c ------------------------------------------------------------ */

/* The description of dt: for a predefined type filled into *tmp, for a live
 * (not freed) derived type its object. NULL for anything else. */
const struct mpi_dtype *mpi_dtype_resolve(struct mpi_rank_state *s, MPI_Datatype dt,
                                          struct mpi_dtype *tmp);

/* The description of dt for an operation that holds a reference on it:
 * like mpi_dtype_resolve, but a derived type freed meanwhile is still
 * returned. NULL for an invalid handle. */
const struct mpi_dtype *mpi_dtype_held(struct mpi_rank_state *s, MPI_Datatype dt,
                                       struct mpi_dtype *tmp);

/* The derived type object behind handle dt even when freed but still
 * referenced (for internal use), or NULL. */
struct mpi_dtype *mpi_dtype_object(struct mpi_rank_state *s, MPI_Datatype dt);

/* MPI_SUCCESS when dt can be used for communication (predefined, or derived,
 * live and committed), else MPI_ERR_TYPE. Sets *t_p. */
int mpi_dtype_check_comm(struct mpi_rank_state *s, MPI_Datatype dt, struct mpi_dtype *tmp,
                         const struct mpi_dtype **t_p);

/* Like mpi_dtype_check_comm, giving the size and extent only; predefined
 * types take a short path (no description is built). */
int mpi_dtype_check_size(struct mpi_rank_state *s, MPI_Datatype dt, MPI_Aint *size_p,
                         MPI_Aint *extent_p);

/* Reference counting of derived types (no-op for predefined handles). */
void mpi_dtype_ref(struct mpi_rank_state *s, MPI_Datatype dt);
void mpi_dtype_unref(struct mpi_rank_state *s, MPI_Datatype dt);

/* Enters new object t (allocated with malloc, blocks too) into the table and
 * sets its handle in *dt_p. Returns MPI_SUCCESS, -ENOMEM or MPI_IERR_TOO_MANY
 * (and frees t on failure). */
int mpi_dtype_insert(struct mpi_rank_state *s, struct mpi_dtype *t, MPI_Datatype *dt_p);

/* Frees every derived type (MPI_Finalize). */
void mpi_dtype_teardown(struct mpi_rank_state *s);

/* Non-zero when count items of t are one run of count * size bytes at
 * buf + true_lb. */
int mpi_dtype_contig(const struct mpi_dtype *t, MPI_Count count);

/* Basic elements in the first `bytes` packed bytes of items of t, or
 * MPI_UNDEFINED when bytes ends inside a basic element. */
MPI_Count mpi_dtype_elements(const struct mpi_dtype *t, MPI_Count bytes);

/* Type-map builder used by the constructors: appends count copies of child,
 * the first at displacement disp, the next ones each `stride` bytes further,
 * merging adjacent blocks; tracks bounds, elements and the basic type. */
struct mpi_dtype_builder {
    struct mpi_dtype *t;
    MPI_Aint cap;      /* blocks allocated */
    int any;           /* a child with count > 0 was added */
    int has_mlb;       /* an explicit lower bound was met (marked child, MPI_LB) */
    int has_mub;       /* an explicit upper bound was met (marked child, MPI_UB) */
    MPI_Aint mlb, mub; /* the explicit bounds */
    int err;           /* first allocation failure (-ENOMEM) */
};
void mpi_dtype_build_begin(struct mpi_dtype_builder *b, struct mpi_dtype *t);
void mpi_dtype_build_add(struct mpi_dtype_builder *b, const struct mpi_dtype *child, MPI_Aint disp,
                         MPI_Count count, MPI_Aint stride);
/* An MPI-1 MPI_LB (ub == 0) or MPI_UB (ub != 0) marker at disp: an explicit
 * bound of the type, with no data. */
void mpi_dtype_build_marker(struct mpi_dtype_builder *b, MPI_Aint disp, int ub);
/* Finishes bounds (struct_pad: round the extent up to the alignment, as for
 * MPI_Type_create_struct) and density. Returns 0 or -ENOMEM. */
int mpi_dtype_build_end(struct mpi_dtype_builder *b, int struct_pad);

/* Allocates a zeroed object. NULL when out of memory. */
struct mpi_dtype *mpi_dtype_new(void);
/* Frees an object not (yet) in the table, dropping its contents' references. */
void mpi_dtype_destroy(struct mpi_rank_state *s, struct mpi_dtype *t);

/* dtype_attr.c ------------------------------------------------------------ */

/* The name-and-attributes record of valid type dt (resolved by the caller),
 * made when `create` (NULL then only when out of memory); without
 * `create`, NULL when it has none. */
struct mpi_dtype_extra *mpi_dtype_extra(struct mpi_rank_state *s, MPI_Datatype dt, int create);

/* The user's handle of t is gone (MPI_Type_free): its attributes are
 * deleted, last set first. Returns MPI_SUCCESS or a callback's error. */
int mpi_dtype_attr_release(struct mpi_rank_state *s, struct mpi_dtype *t);

/* MPI_Type_dup: copies old's attributes onto new (copy callbacks). Returns
 * MPI_SUCCESS, -ENOMEM or the first callback's error. */
int mpi_dtype_attr_dup(struct mpi_rank_state *s, MPI_Datatype old, struct mpi_dtype *new);

/* Frees an extra record without running callbacks (object destruction). */
void mpi_dtype_extra_free(struct mpi_rank_state *s, struct mpi_dtype_extra *x);

/* MPI_Finalize: the predefined types' records. */
void mpi_dtype_extra_teardown(struct mpi_rank_state *s);

/* dtype_pack.c ------------------------------------------------------------ */

/* Packs count items of t at buf into out (count * size bytes). */
void mpi_dtype_pack(const struct mpi_dtype *t, const void *buf, MPI_Count count, void *out);

/* Unpacks the first `bytes` bytes of in (at most count * size) into count
 * items of t at buf; a partial last item fills its first blocks. */
void mpi_dtype_unpack(const struct mpi_dtype *t, const void *in, MPI_Count bytes, void *buf,
                      MPI_Count count);

/* dtype_reduce.c ---------------------------------------------------------- */

/* inout = in op inout on count items of derived type dt, op predefined:
 * through arrays of dt's basic type. Returns MPI_SUCCESS, MPI_ERR_OP (no
 * single basic type) or -ENOMEM. */
int mpi_dtype_op_apply(MPI_Op op, MPI_Datatype dt, const void *in, void *inout, size_t count);

/* Non-zero when count items of dt fit in count * extent bytes from the
 * buffer pointer: predefined, or derived with its data inside [0, extent)
 * of each item. Collectives that keep scratch copies in the user's layout
 * (reductions, in-place Alltoall) need it. */
int mpi_dtype_fits_extent(struct mpi_rank_state *s, MPI_Datatype dt);

/* The predefined basic type of dt for a reduction (dt itself when
 * predefined), or MPI_DATATYPE_NULL when the elements are mixed. */
MPI_Datatype mpi_dtype_reduce_basic(struct mpi_rank_state *s, MPI_Datatype dt);

#pragma GCC visibility pop

#endif /* DTYPE_H */
