/* unsup.c: what a call of an unsupported family does (see unsup.h).
 *
 * A table gives each family its description and error class; the message
 * is built in a stack buffer and handed to mpi_error() as the function name,
 * so the error handler, the fatal message and the log all name the call and
 * say that its family is not supported. Nothing here keeps state.
 */
#include <stdio.h>
#include "base.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "unsup.h"

struct unsup_family_info {
    const char *what; /* "MPI-IO (MPI_File_*)" */
    int err_class;
    int has_handler; /* 0: return the class only (MPI_T_*) */
};

static const struct unsup_family_info unsup_families[] = {
    [UNSUP_FILE] = {"MPI-IO, MPI_File_*,", MPI_ERR_UNSUPPORTED_OPERATION, 1},
    [UNSUP_DATAREP] = {"MPI-IO data representations, MPI_Register_datarep,",
                       MPI_ERR_UNSUPPORTED_OPERATION, 1},
    [UNSUP_T] = {"the tools interface, MPI_T_*,", MPI_T_ERR_NOT_SUPPORTED, 0},
    [UNSUP_DPM] = {"dynamic process management (spawn, ports, name publishing, join)",
                   MPI_ERR_UNSUPPORTED_OPERATION, 1},
    [UNSUP_SESSION] = {"the sessions model, MPI_Session_* and groups from process sets,",
                       MPI_ERR_UNSUPPORTED_OPERATION, 1},
    [UNSUP_PART] = {"partitioned communication, MPI_Psend_init/MPI_Precv_init/MPI_Pready*,",
                    MPI_ERR_UNSUPPORTED_OPERATION, 1},
    [UNSUP_ULFM] = {"fault tolerance, MPIX_Comm_revoke/shrink/agree/failure_*,",
                    MPI_ERR_UNSUPPORTED_OPERATION, 1},
    [UNSUP_BIGCOUNT] = {"the MPI-4 large-count (_c) form of this call",
                        MPI_ERR_UNSUPPORTED_OPERATION, 1},
};

int mpi_unsupported(enum unsup_family fam, const char *fname)
{
    MPI_THREAD_GUARD(); /* the generated entry points' guard */
    const struct unsup_family_info *f = &unsup_families[fam];
    struct mpi_rank_state *s;
    char msg[256];

    snprintf(msg, sizeof(msg), "%s (%s is not supported by nanvix-mpi)", fname, f->what);
    if (!f->has_handler) {
        base_log(BASE_LOG_INFO, "mpi", "%s", msg);
        return f->err_class;
    }
    if (mpi_enter(&s) != MPI_SUCCESS) {
        base_log(BASE_LOG_ERROR, "mpi", "%s", msg);
        return f->err_class;
    }
    return mpi_error(MPI_COMM_WORLD, f->err_class, msg);
}
