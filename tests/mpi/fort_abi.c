/* fort_abi.c: what the library adds to MPICH's ABI for Fortran bindings and
 * for the families it does not implement, checked from C on every rank,
 * before and after the rank moves (MPI_Migrateto to a spare when there is
 * one):
 * - MPI_UNWEIGHTED and MPI_WEIGHTS_EMPTY: two distinct non-NULL markers;
 * - MPI_Status_c2f/f2c/c2f08/f082c/f2f08/f082f copy the five fields, and
 *   refuse the ignore markers and NULL with MPI_ERR_ARG;
 * - an unsupported call (MPI_File_open, MPI_Comm_spawn, MPI_Send_c) returns
 *   MPI_ERR_UNSUPPORTED_OPERATION and calls the communicator's error
 *   handler with a message naming the call and "not supported";
 *   MPI_T_init_thread returns MPI_T_ERR_NOT_SUPPORTED without it;
 * - MPICH's GPU queries say "none", MPIX_GPU_query_support refuses an
 *   unknown kind with MPI_ERR_ARG; MPI_Pcontrol succeeds.
 * Prints "fort_abi: OK <checks> checks" from rank 0.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <mpi.h>
#include "testhelp_mpi.h"

static int handler_calls;
static char handler_text[256];
static int checks;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        CHECK(cond);                                                                               \
        checks++;                                                                                  \
    } while (0)

static void record_error(MPI_Comm *comm, int *code, ...)
{
    va_list ap;
    const char *text;

    (void)comm;
    (void)code;
    va_start(ap, code);
    text = va_arg(ap, const char *);
    va_end(ap);
    snprintf(handler_text, sizeof(handler_text), "%s", text ? text : "");
    handler_calls++;
}

static void check_markers(void)
{
    EXPECT(MPI_UNWEIGHTED != NULL && MPI_WEIGHTS_EMPTY != NULL);
    EXPECT(MPI_UNWEIGHTED != MPI_WEIGHTS_EMPTY);
    EXPECT(MPI_F08_STATUS_IGNORE != NULL && MPI_F08_STATUSES_IGNORE != NULL);
}

static void check_status(void)
{
    MPI_Status c = {11, 22, 3, 44, 5}, back;
    MPI_F08_status f08;
    MPI_Fint f[MPI_F_STATUS_SIZE], f2[MPI_F_STATUS_SIZE];

    EXPECT(MPI_Status_c2f(&c, f) == MPI_SUCCESS);
    EXPECT(f[MPI_F_SOURCE] == 3 && f[MPI_F_TAG] == 44 && f[MPI_F_ERROR] == 5);
    memset(&back, 0, sizeof(back));
    EXPECT(MPI_Status_f2c(f, &back) == MPI_SUCCESS && !memcmp(&back, &c, sizeof(c)));
    EXPECT(MPI_Status_c2f08(&c, &f08) == MPI_SUCCESS && f08.MPI_SOURCE == 3 && f08.MPI_TAG == 44);
    EXPECT(MPI_Status_f082f(&f08, f2) == MPI_SUCCESS && !memcmp(f, f2, sizeof(f)));
    memset(&f08, 0, sizeof(f08));
    EXPECT(MPI_Status_f2f08(f2, &f08) == MPI_SUCCESS && f08.MPI_ERROR == 5);
    memset(&back, 0, sizeof(back));
    EXPECT(MPI_Status_f082c(&f08, &back) == MPI_SUCCESS && !memcmp(&back, &c, sizeof(c)));
    CHECK_CLASS(MPI_Status_c2f(MPI_STATUS_IGNORE, f), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Status_c2f(MPI_STATUSES_IGNORE, f), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Status_c2f(&c, NULL), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Status_f082c(MPI_F08_STATUS_IGNORE, &back), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Status_f2c(NULL, &back), MPI_ERR_ARG);
    checks += 5;
}

/* An unsupported call: the class, one handler call, a message naming it. */
static void check_unsupported(int err, const char *name)
{
    CHECK_CLASS(err, MPI_ERR_UNSUPPORTED_OPERATION);
    CHECKF(handler_calls == 1, "%s: %d handler calls", name, handler_calls);
    CHECKF(strstr(handler_text, name) && strstr(handler_text, "not supported by nanvix-mpi"),
           "%s: handler got '%s'", name, handler_text);
    handler_calls = 0;
    checks++;
}

static void check_families(void)
{
    MPI_File fh = MPI_FILE_NULL;
    MPI_Comm child = MPI_COMM_NULL;
    int provided = -1, x = 7, supported = -1;

    handler_calls = 0;
    check_unsupported(MPI_File_open(MPI_COMM_WORLD, "f", MPI_MODE_RDONLY, MPI_INFO_NULL, &fh),
                      "MPI_File_open");
    check_unsupported(MPI_Comm_spawn("x", MPI_ARGV_NULL, 1, MPI_INFO_NULL, 0, MPI_COMM_SELF, &child,
                                     MPI_ERRCODES_IGNORE),
                      "MPI_Comm_spawn");
    check_unsupported(MPI_Send_c(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD), "MPI_Send_c");
    EXPECT(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) == MPI_T_ERR_NOT_SUPPORTED);
    EXPECT(handler_calls == 0);
    EXPECT(MPIX_Query_cuda_support() == 0 && MPIX_Query_ze_support() == 0 &&
           MPIX_Query_hip_support() == 0);
    EXPECT(MPIX_GPU_query_support(MPIX_GPU_SUPPORT_CUDA, &supported) == MPI_SUCCESS &&
           supported == 0);
    CHECK_CLASS(MPIX_GPU_query_support(99, &supported), MPI_ERR_ARG);
    EXPECT(handler_calls == 1);
    handler_calls = 0;
    EXPECT(MPI_Pcontrol(2) == MPI_SUCCESS);
}

int main(int argc, char **argv)
{
    MPI_Errhandler eh;
    int rank, spares = 0, c0 = -1, c1 = -1;

    MPI_CHECK(MPI_Init(&argc, &argv));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_create_errhandler(record_error, &eh));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh));
    check_markers();
    check_status();
    check_families();
    MPI_CHECK(MPIX_Spare_count(&spares));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0 && spares > 0) {
        MPI_CHECK(MPIX_Cluster_self(&c0));
        MPI_CHECK(MPI_Migrateto(MPIX_ANY_SPARE));
        MPI_CHECK(MPIX_Cluster_self(&c1));
        CHECKF(c1 != c0, "still on cluster %d", c0);
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    check_markers(); /* the same again, on the cluster the rank moved to */
    check_status();
    check_families();
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("fort_abi: OK %d checks%s\n", checks, c1 != c0 ? " (moved)" : "");
    MPI_CHECK(MPI_Errhandler_free(&eh));
    MPI_CHECK(MPI_Finalize());
    return 0;
}
