/* mpi_dtype.h: private header of mpi/'s datatype engine (derived datatypes).
 *
 * A datatype is described by one struct mpi_dtype: its size, bounds and a
 * flattened type map, the list of (offset, length) byte blocks one item
 * covers, in type-map order, adjacent blocks of the same element size merged.
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
 */
#ifndef MPI_DTYPE_H
#define MPI_DTYPE_H

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
    MPI_Aint off;   /* offset from the item's origin (the buffer pointer) */
    MPI_Aint len;   /* bytes */
    MPI_Aint esize; /* size of the basic elements in it (for Get_elements) */
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
    MPI_Datatype *types; /* derived ones hold a reference */
};

struct mpi_dtype_table {
    struct mpi_dtype **slots; /* slot i is handle MPI_DTYPE_HANDLE_BASE | (i + FIRST) */
    int nslots;
};

struct mpi_rank_state;
struct mpi_comm;
struct mpi_request;

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
    int any_marked;    /* a marked child was added */
    MPI_Aint mlb, mub; /* bounds from marked children */
    int err;           /* first allocation failure (-ENOMEM) */
};
void mpi_dtype_build_begin(struct mpi_dtype_builder *b, struct mpi_dtype *t);
void mpi_dtype_build_add(struct mpi_dtype_builder *b, const struct mpi_dtype *child, MPI_Aint disp,
                         MPI_Count count, MPI_Aint stride);
/* Finishes bounds (struct_pad: round the extent up to the alignment, as for
 * MPI_Type_create_struct) and density. Returns 0 or -ENOMEM. */
int mpi_dtype_build_end(struct mpi_dtype_builder *b, int struct_pad);

/* Allocates a zeroed object. NULL when out of memory. */
struct mpi_dtype *mpi_dtype_new(void);
/* Frees an object not (yet) in the table, dropping its contents' references. */
void mpi_dtype_destroy(struct mpi_rank_state *s, struct mpi_dtype *t);

/* dtype_pack.c ------------------------------------------------------------ */

/* Packs count items of t at buf into out (count * size bytes). */
void mpi_dtype_pack(const struct mpi_dtype *t, const void *buf, MPI_Count count, void *out);

/* Unpacks the first `bytes` bytes of in (at most count * size) into count
 * items of t at buf; a partial last item fills its first blocks. */
void mpi_dtype_unpack(const struct mpi_dtype *t, const void *in, MPI_Count bytes, void *buf,
                      MPI_Count count);

/* dtype_xfer.c ------------------------------------------------------------ */

/* What a request does with a derived type when it completes. */
struct mpi_dtype_xfer {
    MPI_Datatype dt; /* referenced until the request completes */
    void *tmp;       /* packed bytes (send: source, receive: landing area) */
    void *ubuf;      /* receive: the user's buffer to unpack into, else NULL */
    MPI_Count count; /* items of dt at ubuf */
};

/* Typed point-to-point (arguments checked): contiguous data goes in place,
 * anything else through a packed temporary owned by the request. */
int mpi_p2p_isend_dt(struct mpi_rank_state *s, struct mpi_comm *c, const void *buf, int count,
                     MPI_Datatype dt, int dest, int tag, int mode, MPI_Request *h_p);
int mpi_p2p_irecv_dt(struct mpi_rank_state *s, struct mpi_comm *c, void *buf, int count,
                     MPI_Datatype dt, int source, int tag, MPI_Request *h_p);

/* A persistent request r starting (mpi_persist.c): sets *data_p, *len_p to
 * what cv sends or receives. Contiguous data is used in place; otherwise a
 * send is packed, a receive gets a landing area, and r->xfer holds them
 * until completion (mpi_dtype_xfer_done). Returns MPI_SUCCESS, MPI_ERR_TYPE
 * (the type was freed since) or -ENOMEM. */
int mpi_dtype_xfer_prepare(struct mpi_rank_state *s, struct mpi_request *r, void *buf, int count,
                           MPI_Datatype dt, int recv, void **data_p, size_t *len_p);

/* Request completion: unpacks a receive (bytes arrived, unless cancelled)
 * and frees x. */
void mpi_dtype_xfer_done(struct mpi_rank_state *s, struct mpi_dtype_xfer *x, MPI_Count bytes,
                         int cancelled);
/* A request released without completion (MPI_Request_free): the transfer
 * may still use x->tmp, which is therefore left allocated. */
void mpi_dtype_xfer_abandon(struct mpi_dtype_xfer *x);

/* Contiguous bytes of count items of dt at buf: *data_p points into buf when
 * the type is contiguous, else at a packed copy returned in *tmp_p (to free).
 * Returns MPI_SUCCESS or -ENOMEM. */
int mpi_dtype_view(struct mpi_rank_state *s, const void *buf, int count, MPI_Datatype dt,
                   const void **data_p, size_t *len_p, void **tmp_p);

/* The receiving side of mpi_dtype_view: *data_p is where len bytes of
 * packed data should land (in buf when contiguous, else a temporary in
 * *tmp_p); mpi_dtype_recv_end() unpacks the `bytes` that arrived and frees
 * the temporary. Returns MPI_SUCCESS or -ENOMEM. */
int mpi_dtype_recv_begin(struct mpi_rank_state *s, void *buf, int count, MPI_Datatype dt,
                         void **data_p, size_t *len_p, void **tmp_p);
void mpi_dtype_recv_end(struct mpi_rank_state *s, void *buf, int count, MPI_Datatype dt, void *tmp,
                        MPI_Count bytes);

/* Copies count items of dt from src to dst (type map bytes only). Returns
 * MPI_SUCCESS or -ENOMEM. */
int mpi_dtype_copy(struct mpi_rank_state *s, const void *src, void *dst, int count,
                   MPI_Datatype dt);

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

#endif /* MPI_DTYPE_H */
