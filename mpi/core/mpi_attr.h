/* mpi_attr.h: keyvals and attribute lists, shared by every kind of object
 * that caches attributes (communicators: comm_attr.c, datatypes:
 * dtype_attr.c; windows later). Implemented in mpi_attr.c.
 *
 * One keyval table in the root object serves every kind: a handle is
 * MPICH's direct keyval, 0xa4000000 | kind << 22 | index, where kind is
 * MPICH's object kind (so a communicator keyval given to a datatype call is
 * recognised as the wrong kind: MPI_ERR_KEYVAL). A keyval slot counts one
 * reference for its handle and one per attribute that uses it, so callbacks
 * stay callable after MPI_*_free_keyval while attributes still use it.
 *
 * An object keeps its attributes in a list, in the order they were set:
 * copies (dup) run in that order, and deleting them all (free, and
 * MPI_COMM_SELF at MPI_Finalize) goes last-in-first-out.
 *
 * The callbacks of the three kinds differ only in the type of their first
 * argument, which is an int handle in MPICH's ABI for all of them, so one
 * function pointer type calls them all.
 */
#ifndef MPI_ATTR_H
#define MPI_ATTR_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* MPICH's object kinds, as encoded in keyval handles. */
enum mpi_attr_kind { MPI_ATTR_COMM = 1, MPI_ATTR_TYPE = 3, MPI_ATTR_WIN = 8 };

#define MPI_KEYVAL_HANDLE_DIRECT ((int)0xa4000000)
#define MPI_KEYVAL_KIND_SHIFT    22
#define MPI_KEYVAL_HANDLE_INDEX  0x003fffff

/* MPI_Comm/Type/Win_copy_attr_function and _delete_attr_function, with
 * the object handle as an int. NULL stands for the NULL_COPY/DELETE_FN. */
typedef int mpi_attr_copy_fn(int obj, int keyval, void *extra, void *in, void *out, int *flag);
typedef int mpi_attr_delete_fn(int obj, int keyval, void *val, void *extra);

struct mpi_keyval {
    mpi_attr_copy_fn *copy;  /* NULL: never copied */
    mpi_attr_delete_fn *del; /* NULL: nothing to call */
    void *extra;             /* extra_state given at creation */
    int kind;                /* enum mpi_attr_kind */
    int refs;                /* handle (until freed) + attributes using it; 0: slot free */
    int freed;               /* MPI_*_free_keyval called */
};

struct mpi_attr {
    int kv;                /* keyval table index */
    void *val;             /* the value given to set_attr */
    struct mpi_attr *next; /* next attribute of the same object (set order) */
};

struct mpi_rank_state;

/* A new keyval of the given kind in *keyval_p. MPI_SUCCESS or -ENOMEM. */
int mpi_keyval_create(struct mpi_rank_state *s, int kind, mpi_attr_copy_fn *copy,
                      mpi_attr_delete_fn *del, void *extra, int *keyval_p);

/* Table index of keyval when it is a keyval of this kind whose slot is
 * still alive, else -1. As in MPICH, a keyval freed by the user but still
 * used by attributes stays usable for get/set/delete on them. */
int mpi_keyval_lookup(struct mpi_rank_state *s, int kind, int keyval);

/* MPI_*_free_keyval: MPI_SUCCESS or MPI_ERR_KEYVAL; sets *keyval_p to
 * MPI_KEYVAL_INVALID. Freeing twice while attributes keep the slot alive is
 * harmless (MPICH agrees: a delete callback may free its own keyval). */
int mpi_keyval_free(struct mpi_rank_state *s, int kind, int *keyval_p);

/* The attribute under keyval index kv in list, or NULL. */
struct mpi_attr *mpi_attr_find(struct mpi_attr *list, int kv);

/* Sets (obj, kv) to val; an existing value is deleted first, and when its
 * delete callback fails, that error is returned and the old value stays. */
int mpi_attr_set(struct mpi_rank_state *s, struct mpi_attr **list, int obj, int kv, void *val);

/* Deletes (obj, kv) if set. A failing delete callback's error is returned
 * and the attribute stays (MPI 6.7.2: the call fails). */
int mpi_attr_delete(struct mpi_rank_state *s, struct mpi_attr **list, int obj, int kv);

/* Runs the copy callbacks of from's attributes (object old) into *to, in
 * set order. Returns MPI_SUCCESS or the first callback's error (then the
 * caller deletes *to's attributes and fails). */
int mpi_attr_copy_list(struct mpi_rank_state *s, struct mpi_attr *from, int old,
                       struct mpi_attr **to);

/* Deletes every attribute of obj, last set first; all go even when
 * callbacks fail. Returns MPI_SUCCESS or the first callback's error. */
int mpi_attr_delete_list(struct mpi_rank_state *s, struct mpi_attr **list, int obj);

/* Frees an attribute list without callbacks (MPI_Finalize teardown). */
void mpi_attr_drop_list(struct mpi_rank_state *s, struct mpi_attr **list);

/* Releases the keyval table (MPI_Finalize). */
void mpi_keyval_teardown(struct mpi_rank_state *s);

#pragma GCC visibility pop

#endif /* MPI_ATTR_H */
