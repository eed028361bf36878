/* mpi_error.c: error classes, their strings, and error handlers.
 *
 * Error codes returned to the application are the error classes themselves
 * (MPI allows a code to equal its class). Internal code paths return MPI
 * classes or negative codes (cv.h codes, -errno, MPI_IERR_*); mpi_error() is
 * the single place where such a code is turned into a class and where the
 * communicator's handler runs: MPI_ERRORS_ARE_FATAL (default) and
 * MPI_ERRORS_ABORT print "MPI error in MPI_Xxx: <string>" and abort the job,
 * MPI_ERRORS_RETURN returns the class, a user handler is called with it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base.h"
#include "comm.h"
#include "mpi_check.h"
#include "mpi_errcode.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"
#include "rmig.h"
#include "nanvix.h"

#pragma weak MPI_Error_string = PMPI_Error_string
#pragma weak MPI_Error_class = PMPI_Error_class
#pragma weak MPI_Comm_set_errhandler = PMPI_Comm_set_errhandler
#pragma weak MPI_Comm_get_errhandler = PMPI_Comm_get_errhandler
#pragma weak MPI_Comm_create_errhandler = PMPI_Comm_create_errhandler
#pragma weak MPI_Errhandler_free = PMPI_Errhandler_free
#pragma weak MPI_Comm_call_errhandler = PMPI_Comm_call_errhandler

static const char *const class_text[MPICH_ERR_LAST_MPIX + 1] = {
    [MPI_SUCCESS] = "No MPI error",
    [MPI_ERR_BUFFER] = "Invalid buffer pointer",
    [MPI_ERR_COUNT] = "Invalid count argument",
    [MPI_ERR_TYPE] = "Invalid datatype argument",
    [MPI_ERR_TAG] = "Invalid tag argument",
    [MPI_ERR_COMM] = "Invalid communicator",
    [MPI_ERR_RANK] = "Invalid rank",
    [MPI_ERR_ROOT] = "Invalid root",
    [MPI_ERR_GROUP] = "Invalid group",
    [MPI_ERR_OP] = "Invalid operation (or operation not defined on the datatype)",
    [MPI_ERR_TOPOLOGY] = "Invalid topology",
    [MPI_ERR_DIMS] = "Invalid dimension argument",
    [MPI_ERR_ARG] = "Invalid argument",
    [MPI_ERR_UNKNOWN] = "Unknown error",
    [MPI_ERR_TRUNCATE] = "Message truncated on receive",
    [MPI_ERR_OTHER] = "Other MPI error",
    [MPI_ERR_INTERN] = "Internal MPI error",
    [MPI_ERR_IN_STATUS] = "Error code is in status",
    [MPI_ERR_PENDING] = "Pending request",
    [MPI_ERR_REQUEST] = "Invalid request handle",
    [MPI_ERR_ACCESS] = "Permission denied",
    [MPI_ERR_AMODE] = "Invalid file access mode",
    [MPI_ERR_BAD_FILE] = "Invalid file name",
    [MPI_ERR_CONVERSION] = "Data conversion error",
    [MPI_ERR_DUP_DATAREP] = "Data representation already defined",
    [MPI_ERR_FILE_EXISTS] = "File exists",
    [MPI_ERR_FILE_IN_USE] = "File in use",
    [MPI_ERR_FILE] = "Invalid file handle",
    [MPI_ERR_INFO] = "Invalid info object",
    [MPI_ERR_INFO_KEY] = "Invalid info key",
    [MPI_ERR_INFO_VALUE] = "Invalid info value",
    [MPI_ERR_INFO_NOKEY] = "Info key not defined",
    [MPI_ERR_IO] = "I/O error",
    [MPI_ERR_NAME] = "Invalid service name",
    [MPI_ERR_NO_MEM] = "Out of memory",
    [MPI_ERR_NOT_SAME] = "Arguments differ between processes",
    [MPI_ERR_NO_SPACE] = "Not enough space",
    [MPI_ERR_NO_SUCH_FILE] = "No such file",
    [MPI_ERR_PORT] = "Invalid port name",
    [MPI_ERR_QUOTA] = "Quota exceeded",
    [MPI_ERR_READ_ONLY] = "Read-only file or file system",
    [MPI_ERR_SERVICE] = "Invalid service",
    [MPI_ERR_SPAWN] = "Could not spawn processes",
    [MPI_ERR_UNSUPPORTED_DATAREP] = "Unsupported data representation",
    [MPI_ERR_UNSUPPORTED_OPERATION] = "Operation not supported",
    [MPI_ERR_WIN] = "Invalid window",
    [MPI_ERR_BASE] = "Invalid base address",
    [MPI_ERR_LOCKTYPE] = "Invalid lock type",
    [MPI_ERR_KEYVAL] = "Invalid keyval",
    [MPI_ERR_RMA_CONFLICT] = "Conflicting accesses to window",
    [MPI_ERR_RMA_SYNC] = "Wrong synchronization of RMA calls",
    [MPI_ERR_SIZE] = "Invalid size",
    [MPI_ERR_DISP] = "Invalid displacement",
    [MPI_ERR_ASSERT] = "Invalid assert",
    [MPI_ERR_RMA_RANGE] = "Target memory is outside the window",
    [MPI_ERR_RMA_ATTACH] = "Memory cannot be attached",
    [MPI_ERR_RMA_SHARED] = "Memory cannot be shared",
    [MPI_ERR_RMA_FLAVOR] = "Wrong window flavor",
    [MPI_T_ERR_MEMORY] = "Out of memory (tools interface)",
    [MPI_T_ERR_NOT_INITIALIZED] = "Tools interface not initialized",
    [MPI_T_ERR_CANNOT_INIT] = "Tools interface cannot be initialized",
    [MPI_T_ERR_INVALID_INDEX] = "Invalid index (tools interface)",
    [MPI_T_ERR_INVALID_ITEM] = "Invalid item (tools interface)",
    [MPI_T_ERR_INVALID_HANDLE] = "Invalid handle (tools interface)",
    [MPI_T_ERR_OUT_OF_HANDLES] = "Out of handles (tools interface)",
    [MPI_T_ERR_OUT_OF_SESSIONS] = "Out of sessions (tools interface)",
    [MPI_T_ERR_INVALID_SESSION] = "Invalid session (tools interface)",
    [MPI_T_ERR_CVAR_SET_NOT_NOW] = "Control variable cannot be set now",
    [MPI_T_ERR_CVAR_SET_NEVER] = "Control variable cannot be set",
    [MPI_T_ERR_PVAR_NO_STARTSTOP] = "Performance variable cannot be started or stopped",
    [MPI_T_ERR_PVAR_NO_WRITE] = "Performance variable cannot be written",
    [MPI_T_ERR_PVAR_NO_ATOMIC] = "Performance variable cannot be accessed atomically",
    [MPI_T_ERR_INVALID_NAME] = "Invalid name (tools interface)",
    [MPI_T_ERR_INVALID] = "Invalid use of the tools interface",
    [MPI_ERR_SESSION] = "Invalid session",
    [MPI_ERR_PROC_ABORTED] = "Communication with an aborted process",
    [MPI_ERR_VALUE_TOO_LARGE] = "Value too large to store",
    [MPI_T_ERR_NOT_SUPPORTED] = "Not supported (tools interface)",
    [MPIX_ERR_PROC_FAILED] = "Process failed",
    [MPIX_ERR_PROC_FAILED_PENDING] = "Request pending because of a process failure",
    [MPIX_ERR_REVOKED] = "Communication object revoked",
    [MPIX_ERR_EAGAIN] = "Operation could not be issued, try again",
    [MPIX_ERR_NOREQ] = "Cannot allocate a request",
};

/* Text of an error class, NULL if errorcode is not one. */
static const char *class_string(int code)
{
    if (code < 0 || code > MPICH_ERR_LAST_MPIX)
        return NULL;
    return class_text[code];
}

/* Error codes that say more than their class: why a move was refused or
 * failed. A call returns one of these (under MPI_ERRORS_RETURN, or to a
 * user handler) instead of the bare class, so MPI_Error_string gives the
 * reason and MPI_Error_class the class. Numbered from
 * MPI_ERRCODE_DETAIL_BASE, far above the added codes. */
static const int detail_codes[] = {-EALREADY,  -ENOSPC, -EXDEV,  -EBUSY,  -ETIMEDOUT,
                                   -EHOSTDOWN, -EUSERS, -ESRCH,  -ENOENT, -ENOTDIR,
                                   -EACCES,    -EROFS,  -EBADMSG};
#define NDETAIL ((int)(sizeof(detail_codes) / sizeof(detail_codes[0])))

/* The internal code behind detail code `code`, or 0. */
static int detail_internal(int code)
{
    int i = code - MPI_ERRCODE_DETAIL_BASE;

    return i >= 0 && i < NDETAIL ? detail_codes[i] : 0;
}

/* The code a call returns for internal code `code` of class cls. */
static int detail_code(int code, int cls)
{
    for (int i = 0; i < NDETAIL; i++)
        if (detail_codes[i] == code)
            return MPI_ERRCODE_DETAIL_BASE + i;
    return cls;
}

int mpi_error_class_of(int code)
{
    if (detail_internal(code))
        code = detail_internal(code);
    if (code > MPICH_ERR_LAST_MPIX && mpi_errcode_class(code) >= 0)
        return mpi_errcode_class(code); /* added by MPI_Add_error_code/class */
    if (code >= 0)
        return class_string(code) ? code : MPI_ERR_UNKNOWN;
    switch (code) {
    case CV_ERR_TRUNCATE:
        return MPI_ERR_TRUNCATE;
    case CV_ERR_RANK:
        return MPI_ERR_RANK;
    case CV_ERR_INTERN:
        return MPI_ERR_INTERN;
    case MPI_IERR_NOT_INIT:
    case MPI_IERR_INIT_TWICE:
        return MPI_ERR_OTHER;
    case MPI_IERR_TOO_MANY:
        return MPIX_ERR_NOREQ;
    case -ENOMEM:
        return MPI_ERR_NO_MEM;
    case -EINVAL:
    case -EALREADY: /* a move to the rank's own cluster */
        return MPI_ERR_ARG;
    case -ENOSPC: /* a move: no idle cluster left */
        return MPI_ERR_NO_SPACE;
    case -ENOENT:  /* a move through a checkpoint: no such directory */
    case -ENOTDIR: /* ... not a directory */
    case -EACCES:  /* ... not writable */
    case -EROFS:
        return MPI_ERR_IO;
    case -ENOTSUP:
    case -EXDEV:  /* a move: the clusters' address layouts differ */
    case -EUSERS: /* a move: the rank runs threads of its own */
        return MPI_ERR_UNSUPPORTED_OPERATION;
    default: /* -EBUSY, -ETIMEDOUT, -EIO... */
        return MPI_ERR_OTHER;
    }
}

const char *mpi_error_text(int code)
{
    if (detail_internal(code))
        code = detail_internal(code);
    switch (code) {
    case MPI_IERR_NOT_INIT:
        return "MPI is not initialized (called before MPI_Init or after MPI_Finalize)";
    case MPI_IERR_INIT_TWICE:
        return "MPI_Init called more than once";
    case MPI_IERR_TOO_MANY:
        return "Too many outstanding requests or handles";
    case CV_ERR_INTERN:
        return "Internal MPI error (transport failure)";
    case -EIO:
        return "Other MPI error (input/output failure in the transport)";
    case -EALREADY:
        return "Invalid argument (the rank is already on that cluster)";
    case -ENOSPC:
        return "No space (no idle cluster left to move the rank to)";
    case -EXDEV:
        return "Unsupported operation (the destination's layout fingerprint differs: it runs "
               "another build of the program or of a library, or one installed at another "
               "path; the rank stays)";
    case -EUSERS:
        return "Unsupported operation (the rank runs threads it started, which cannot move "
               "with it: a rank moves only while its main thread is its only one)";
    case -ENOENT:
    case -ENOTDIR:
        return "I/O error (the checkpoint directory of the move does not exist or is not a "
               "directory; the rank stays)";
    case -EACCES:
    case -EROFS:
        return "I/O error (the checkpoint directory of the move is not writable; the rank stays)";
    case -EBADMSG:
        return "Other MPI error (the destination refused the checkpoint image of the move: "
               "damaged; the rank stays)";
    case -ESRCH:
        return "Other MPI error (the rank could not be found: it kept moving)";
    case -EBUSY:
        return "Other MPI error (the destination cluster is busy or hosts a rank)";
    case -ETIMEDOUT:
        return "Other MPI error (no answer within NMPI_MIGRATE_TIMEOUT)";
    case -EHOSTDOWN:
        return "Other MPI error (the destination cluster was lost: its process died)";
    default:
        break;
    }
    if (code >= 0 && class_string(code))
        return class_string(code);
    if (mpi_errcode_string(code))
        return mpi_errcode_string(code);
    return class_string(mpi_error_class_of(code));
}

/* Prints the fatal message and aborts the job; never returns. */
static void error_fatal(int code, const char *fname)
{
    char msg[MPI_MAX_ERROR_STRING + 64];

    snprintf(msg, sizeof(msg), "MPI error in %s: %s", fname, mpi_error_text(code));
    fflush(stdout);
    base_log(BASE_LOG_ERROR, "mpi", "%s", msg);
    kjob_abort(mpi_error_class_of(code), msg);
}

int mpi_error(MPI_Comm comm, int code, const char *fname)
{
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int cls, idx;

    if (code == MPI_SUCCESS)
        return MPI_SUCCESS;
    cls = mpi_error_class_of(code);
    if (mpi_enter(&s) != MPI_SUCCESS)
        error_fatal(code, fname);
    c = mpi_comm_get(s, comm);
    if (!c)
        c = mpi_comm_get(s, MPI_COMM_WORLD);
    if (c->errh == MPI_ERRORS_RETURN || c->errh == MPIR_ERRORS_THROW_EXCEPTIONS)
        return detail_code(code, cls);
    if (c->errh == MPI_ERRORS_ARE_FATAL || c->errh == MPI_ERRORS_ABORT)
        error_fatal(code, fname);
    idx = c->errh & 0xffff;
    if ((c->errh & ~0xffff) == MPI_ERRH_HANDLE_DIRECT && idx < MPI_ERRH_MAX && s->errh[idx].fn) {
        MPI_Comm h = c->handle;
        int e = code > 0 ? code : detail_code(code, cls); /* added codes as they are */
        rmig_preempt_hold(); /* inside a failing MPI call: no move there */
        s->errh[idx].fn(&h, &e, fname);
        rmig_preempt_release();
    }
    return detail_code(code, cls);
}

int mpi_errh_valid(struct mpi_rank_state *s, MPI_Errhandler h)
{
    int idx = h & 0xffff;

    if (h == MPI_ERRORS_ARE_FATAL || h == MPI_ERRORS_RETURN || h == MPI_ERRORS_ABORT ||
        h == MPIR_ERRORS_THROW_EXCEPTIONS)
        return 1;
    return (h & ~0xffff) == MPI_ERRH_HANDLE_DIRECT && idx < MPI_ERRH_MAX && s->errh[idx].fn;
}

/* Slot of a user handler, NULL for predefined ones. */
static struct mpi_errh_slot *errh_slot(struct mpi_rank_state *s, MPI_Errhandler h)
{
    if ((h & ~0xffff) != MPI_ERRH_HANDLE_DIRECT || (h & 0xffff) >= MPI_ERRH_MAX)
        return NULL;
    return &s->errh[h & 0xffff];
}

void mpi_errh_ref(struct mpi_rank_state *s, MPI_Errhandler h)
{
    struct mpi_errh_slot *e = errh_slot(s, h);

    if (e)
        e->refs++;
}

void mpi_errh_unref(struct mpi_rank_state *s, MPI_Errhandler h)
{
    struct mpi_errh_slot *e = errh_slot(s, h);

    if (e && --e->refs == 0)
        e->fn = NULL;
}

int PMPI_Error_class(int errorcode, int *errorclass)
{
    MPI_THREAD_GUARD();
    int added = mpi_errcode_class(errorcode);

    if (!errorclass || (!class_string(errorcode) && added < 0 && !detail_internal(errorcode)))
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Error_class");
    *errorclass = added >= 0                   ? added
                  : detail_internal(errorcode) ? mpi_error_class_of(errorcode)
                                               : errorcode;
    return MPI_SUCCESS;
}

int PMPI_Error_string(int errorcode, char *string, int *resultlen)
{
    MPI_THREAD_GUARD();
    const char *text = class_string(errorcode);

    if (!text)
        text = mpi_errcode_string(errorcode); /* MPI_Add_error_string */
    if (!text && detail_internal(errorcode))
        text = mpi_error_text(errorcode);

    if (!string || !resultlen || !text)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPI_Error_string");
    snprintf(string, MPI_MAX_ERROR_STRING, "%s", text);
    *resultlen = (int)strlen(string);
    return MPI_SUCCESS;
}

int PMPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !mpi_errh_valid(s, errhandler))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_set_errhandler");
    mpi_errh_ref(s, errhandler);
    mpi_errh_unref(s, c->errh);
    c->errh = errhandler;
    return MPI_SUCCESS;
}

int PMPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler *errhandler)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !errhandler)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_get_errhandler");
    mpi_errh_ref(s, c->errh); /* the returned handle is a new reference */
    *errhandler = c->errh;
    return MPI_SUCCESS;
}

int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);
    int i;

    if (!err && (!fn || !errhandler))
        err = MPI_ERR_ARG;
    for (i = 0; !err && i < MPI_ERRH_MAX && s->errh[i].fn; i++)
        ;
    if (!err && i == MPI_ERRH_MAX)
        err = MPI_IERR_TOO_MANY;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Comm_create_errhandler");
    s->errh[i].fn = fn;
    s->errh[i].refs = 1;
    *errhandler = MPI_ERRH_HANDLE_DIRECT | i;
    return MPI_SUCCESS;
}

/* Predefined handlers are not freed; a user handler goes away once no
 * communicator uses it any more. */
int PMPI_Errhandler_free(MPI_Errhandler *errhandler)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && (!errhandler || !mpi_errh_valid(s, *errhandler)))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Errhandler_free");
    mpi_errh_unref(s, *errhandler);
    *errhandler = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_call_errhandler(MPI_Comm comm, int errorcode)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (err)
        return mpi_error(comm, err, "MPI_Comm_call_errhandler");
    mpi_error(comm, errorcode, "MPI_Comm_call_errhandler");
    return MPI_SUCCESS;
}
