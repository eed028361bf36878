/* unsup.h: the families of MPI calls nanvix-mpi does not implement, and the
 * one function their entry points call (unsup.c).
 *
 * The entry points themselves are generated (unsup_gen.sh, from unsup.list):
 * one file per family, each call a real PMPI_ function with its weak MPI_
 * alias, so programs and libraries that import them load, and a call fails
 * with a clear error instead of an unresolved symbol.
 */
#ifndef UNSUP_H
#define UNSUP_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* One per [family] of unsup.list (unsup_gen.sh writes UNSUP_<FAMILY>). */
enum unsup_family {
    UNSUP_FILE,     /* MPI-IO: MPI_File_* */
    UNSUP_DATAREP,  /* MPI_Register_datarep (MPI-IO data representations) */
    UNSUP_T,        /* the tools interface: MPI_T_* */
    UNSUP_DPM,      /* dynamic processes: spawn, ports, name publishing, join */
    UNSUP_SESSION,  /* MPI-4 sessions: MPI_Session_*, groups from process sets */
    UNSUP_PART,     /* MPI-4 partitioned communication: MPI_Psend_init... */
    UNSUP_ULFM,     /* MPICH's fault-tolerance extensions: MPIX_Comm_revoke... */
    UNSUP_BIGCOUNT, /* MPI-4 large-count forms: MPI_Send_c... */
};

/* Reports that call fname of family fam is not supported and returns the
 * family's error class: MPI_T_ERR_NOT_SUPPORTED for the tools interface,
 * which has no error handlers (the standard says so); for the others,
 * MPI_ERR_UNSUPPORTED_OPERATION through MPI_COMM_WORLD's error handler
 * (fatal by default: the job stops with "MPI error in MPI_File_open (MPI-IO,
 * MPI_File_*, is not supported by nanvix-mpi): Operation not supported"),
 * or, before MPI_Init and after MPI_Finalize, the same message logged and
 * the class returned. */
int mpi_unsupported(enum unsup_family fam, const char *fname);

#pragma GCC visibility pop

#endif /* UNSUP_H */
