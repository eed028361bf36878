/* fort_attr.c: the attribute entry points of MPICH's Fortran bindings
 * (MPII_Comm_get_attr, MPII_Comm_set_attr, their Type_ and Win_ forms, and
 * MPII_Keyval_set_proxy), on top of the C calls.
 *
 * libmpichfort.so.12 does not call MPI_Comm_get_attr: it calls MPICH's
 * internal MPII_ forms, which take one more argument, the kind of value the
 * caller holds (MPIR_ATTR_PTR for C, MPIR_ATTR_AINT for INTEGER(KIND=
 * MPI_ADDRESS_KIND), MPIR_ATTR_INT for the MPI-1 INTEGER calls). Fortran
 * gets the value of an attribute where C gets a pointer:
 * - a predefined key has a Fortran number one above its C number
 *   (MPI_TAG_UB is 0x64400001 in mpi.h, 0x64400002 in mpif.h); Fortran
 *   gets the int the C pointer points at (MPI_WIN_BASE: the base address
 *   itself, MPI_WIN_SIZE: an MPI_Aint);
 * - a user key gives back the stored word, as an address-sized integer
 *   (MPICH writes a pointer-sized value for both integer kinds too).
 * A value set from Fortran and read from C is the integer itself cast to a
 * pointer (MPICH gives a pointer to it instead): C code reading Fortran's
 * attributes is rare, and the difference is documented here.
 *
 * Keys created from Fortran carry Fortran callbacks, which take every
 * argument by reference: MPII_Keyval_set_proxy gives the key the proxies of
 * libmpichfort, which call them with that convention. For a communicator
 * key the callbacks and the key's extra_state are swapped for a proxy
 * record (allocated in rank context, so it lives in the container and moves
 * with the rank) and two trampolines that find it in extra_state.
 *
 * Datatype and window attributes come from the datatype and window calls;
 * they are referenced weakly so this file links in a build without them,
 * and the calls then fail with MPI_ERR_UNSUPPORTED_OPERATION.
 */
#include <stdint.h>
#include <stdlib.h>
#include "base.h"
#include "comm_attr.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak PMPI_Type_get_attr
#pragma weak PMPI_Type_set_attr
#pragma weak PMPI_Win_get_attr
#pragma weak PMPI_Win_set_attr

/* MPICH's MPIR_Attr_type (mpir_attr_generic.h): bit 0 says "integer". */
typedef enum { FORT_ATTR_PTR = 0, FORT_ATTR_AINT = 1, FORT_ATTR_INT = 3 } fort_attr_kind;

typedef int(fort_copy_proxy)(MPI_Comm_copy_attr_function *user_function, int handle, int keyval,
                             void *extra_state, fort_attr_kind attrib_type, void *attrib,
                             void **attrib_copy, int *flag);
typedef int(fort_delete_proxy)(MPI_Comm_delete_attr_function *user_function, int handle, int keyval,
                               fort_attr_kind attrib_type, void *attrib, void *extra_state);

#pragma GCC visibility push(default)
int MPII_Comm_get_attr(MPI_Comm comm, int keyval, void *attribute_val, int *flag,
                       fort_attr_kind kind);
int MPII_Comm_set_attr(MPI_Comm comm, int keyval, void *attribute_val, fort_attr_kind kind);
int MPII_Type_get_attr(MPI_Datatype type, int keyval, void *attribute_val, int *flag,
                       fort_attr_kind kind);
int MPII_Type_set_attr(MPI_Datatype type, int keyval, void *attribute_val, fort_attr_kind kind);
int MPII_Win_get_attr(MPI_Win win, int keyval, void *attribute_val, int *flag, fort_attr_kind kind);
int MPII_Win_set_attr(MPI_Win win, int keyval, void *attribute_val, fort_attr_kind kind);
void MPII_Keyval_set_proxy(int keyval, fort_copy_proxy *copy_proxy,
                           fort_delete_proxy *delete_proxy);
#pragma GCC visibility pop

#define FORT_PREDEF_MASK ((int)0xfffffff0)

/* The C number of a key given in its Fortran form (predefined keys are
 * even in mpif.h, odd in mpi.h); other keys unchanged. */
static int fort_c_keyval(int keyval)
{
    int base = keyval & FORT_PREDEF_MASK;

    if ((base == (MPI_TAG_UB & FORT_PREDEF_MASK) || base == (MPI_WIN_BASE & FORT_PREDEF_MASK)) &&
        (keyval & 0xf) && !(keyval & 1))
        return keyval - 1;
    return keyval;
}

/* Non-zero for the predefined keys (C numbers). */
static int fort_predefined(int ckeyval)
{
    int base = ckeyval & FORT_PREDEF_MASK;
    return base == (MPI_TAG_UB & FORT_PREDEF_MASK) || base == (MPI_WIN_BASE & FORT_PREDEF_MASK);
}

/* Writes what the C call returned (*p when *flag) in the caller's kind. */
static void fort_attr_out(int ckeyval, void *p, void *attribute_val, fort_attr_kind kind)
{
    intptr_t v = (intptr_t)p;

    if (kind != FORT_ATTR_PTR && fort_predefined(ckeyval)) {
        if (ckeyval == MPI_WIN_BASE)
            v = (intptr_t)p;
        else if (ckeyval == MPI_WIN_SIZE)
            v = (intptr_t) * (MPI_Aint *)p;
        else
            v = *(int *)p;
    }
    *(intptr_t *)attribute_val = v;
}

/* The calls of one object kind, as C has them (NULL when not linked in). */
typedef int(fort_get_fn)(int handle, int keyval, void *attribute_val, int *flag);

static int fort_get(fort_get_fn *get, int handle, int keyval, void *attribute_val, int *flag,
                    fort_attr_kind kind, const char *fname)
{
    int ckeyval = kind == FORT_ATTR_PTR ? keyval : fort_c_keyval(keyval);
    void *p = NULL;
    int err;

    if (!get)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_UNSUPPORTED_OPERATION, fname);
    if (!attribute_val || !flag)
        return get(handle, ckeyval, attribute_val, flag); /* the C call reports it */
    err = get(handle, ckeyval, &p, flag);
    if (err == MPI_SUCCESS && *flag)
        fort_attr_out(ckeyval, p, attribute_val, kind);
    return err;
}

int MPII_Comm_get_attr(MPI_Comm comm, int keyval, void *attribute_val, int *flag,
                       fort_attr_kind kind)
{
    MPI_THREAD_GUARD();
    return fort_get((fort_get_fn *)PMPI_Comm_get_attr, comm, keyval, attribute_val, flag, kind,
                    "MPI_Comm_get_attr");
}

int MPII_Type_get_attr(MPI_Datatype type, int keyval, void *attribute_val, int *flag,
                       fort_attr_kind kind)
{
    MPI_THREAD_GUARD();
    return fort_get((fort_get_fn *)PMPI_Type_get_attr, type, keyval, attribute_val, flag, kind,
                    "MPI_Type_get_attr (datatype attributes are not in this build)");
}

int MPII_Win_get_attr(MPI_Win win, int keyval, void *attribute_val, int *flag, fort_attr_kind kind)
{
    MPI_THREAD_GUARD();
    return fort_get((fort_get_fn *)PMPI_Win_get_attr, win, keyval, attribute_val, flag, kind,
                    "MPI_Win_get_attr (windows are not in this build)");
}

/* Setting stores the word as given: a pointer from C, the integer's value
 * from Fortran (the bindings pass it by value already). */
int MPII_Comm_set_attr(MPI_Comm comm, int keyval, void *attribute_val, fort_attr_kind kind)
{
    MPI_THREAD_GUARD();
    (void)kind;
    return PMPI_Comm_set_attr(comm, keyval, attribute_val);
}

int MPII_Type_set_attr(MPI_Datatype type, int keyval, void *attribute_val, fort_attr_kind kind)
{
    MPI_THREAD_GUARD();
    (void)kind;
    if (!PMPI_Type_set_attr)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_UNSUPPORTED_OPERATION,
                         "MPI_Type_set_attr (datatype attributes are not in this build)");
    return PMPI_Type_set_attr(type, keyval, attribute_val);
}

int MPII_Win_set_attr(MPI_Win win, int keyval, void *attribute_val, fort_attr_kind kind)
{
    MPI_THREAD_GUARD();
    (void)kind;
    if (!PMPI_Win_set_attr)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_UNSUPPORTED_OPERATION,
                         "MPI_Win_set_attr (windows are not in this build)");
    return PMPI_Win_set_attr(win, keyval, attribute_val);
}

/* What a communicator key made from Fortran calls, in its extra_state. */
struct fort_keyval_proxy {
    MPI_Comm_copy_attr_function *user_copy;
    MPI_Comm_delete_attr_function *user_delete;
    fort_copy_proxy *copy_proxy;
    fort_delete_proxy *delete_proxy;
    void *user_extra; /* the extra_state the program gave */
};

static int fort_copy_trampoline(MPI_Comm comm, int keyval, void *extra, void *in, void *out,
                                int *flag)
{
    struct fort_keyval_proxy *r = extra;
    return r->copy_proxy(r->user_copy, comm, keyval, r->user_extra, FORT_ATTR_AINT, in,
                         (void **)out, flag);
}

static int fort_delete_trampoline(MPI_Comm comm, int keyval, void *val, void *extra)
{
    struct fort_keyval_proxy *r = extra;
    return r->delete_proxy(r->user_delete, comm, keyval, FORT_ATTR_AINT, val, r->user_extra);
}

/* The live key slot of handle keyval (a communicator, datatype or window
 * key: mpi_attr.h encodes the kind in the handle), or NULL. */
static struct mpi_keyval *fort_keyval(struct mpi_rank_state *s, int keyval)
{
    static const int kinds[] = {MPI_ATTR_COMM, MPI_ATTR_TYPE, MPI_ATTR_WIN};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        int idx = mpi_keyval_lookup(s, kinds[i], keyval);

        if (idx >= 0)
            return s->keyvals[idx].freed ? NULL : &s->keyvals[idx];
    }
    return NULL;
}

/* Called by the Fortran bindings right after they created keyval. The
 * record is never freed: a few dozen bytes per key made from Fortran. A
 * C-null callback (NULL) stays NULL. */
void MPII_Keyval_set_proxy(int keyval, fort_copy_proxy *copy_proxy, fort_delete_proxy *delete_proxy)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_keyval *k;
    struct fort_keyval_proxy *r;

    if (mpi_enter(&s) != MPI_SUCCESS)
        return;
    k = fort_keyval(s, keyval);
    if (!k) {
        base_log(BASE_LOG_WARN, "mpi", "key %#x: not a live key; its Fortran callbacks are not set",
                 keyval);
        return;
    }
    r = malloc(sizeof(*r));
    if (!r) {
        base_log(BASE_LOG_ERROR, "mpi", "key %#x: no memory for its Fortran callbacks", keyval);
        return;
    }
    *r = (struct fort_keyval_proxy){k->copy, k->del, copy_proxy, delete_proxy, k->extra};
    k->copy = k->copy ? fort_copy_trampoline : NULL;
    k->del = k->del ? fort_delete_trampoline : NULL;
    k->extra = r;
}
