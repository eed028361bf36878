/* testhelp_mpi.h: CHECK macros for MPI test programs.
 *
 * A failed check prints "file:line: rank R: FAILED: <what>" (plus an optional
 * printf-style detail) to stderr and aborts the whole job with MPI_Abort, so
 * a failing test never hangs waiting for a dead peer. MPI_CHECK(call) checks
 * that an MPI call returned MPI_SUCCESS and prints the error string if not.
 * Include after mpi.h; header only, so libtesthelp itself needs no MPI.
 */
#ifndef TESTHELP_MPI_H
#define TESTHELP_MPI_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"

/* Exit status a failed check gives to MPI_Abort (and so to the job). */
#define TH_FAIL_CODE 3

static inline int th_rank(void)
{
    int rank = -1, inited = 0;

    MPI_Initialized(&inited);
    if (inited)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

__attribute__((noreturn, format(printf, 4, 5))) static inline void
th_fail(const char *file, int line, const char *what, const char *fmt, ...)
{
    int inited = 0;
    va_list ap;

    fprintf(stderr, "%s:%d: rank %d: FAILED: %s", file, line, th_rank(), what);
    if (fmt && fmt[0]) {
        fputs(": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    fflush(stdout);
    fflush(stderr);
    MPI_Initialized(&inited);
    if (inited)
        MPI_Abort(MPI_COMM_WORLD, TH_FAIL_CODE);
    exit(TH_FAIL_CODE);
}

/* Returns 1 if the library under test is MPICH (its version string starts
 * with "MPICH"), else 0. The tests are debugged against MPICH 4.0; the few
 * places where that version breaks the standard (each cites the MPICH issue)
 * skip only that check when this returns 1. */
static inline int th_library_is_mpich(void)
{
    char v[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0;

    MPI_Get_library_version(v, &len);
    return strncmp(v, "MPICH", 5) == 0;
}

/* CHECK(cond): abort the job if cond is false. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            th_fail(__FILE__, __LINE__, #cond, NULL);                                              \
    } while (0)

/* CHECKF(cond, fmt, ...): same, with a printf-style detail. */
#define CHECKF(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            th_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                       \
    } while (0)

/* MPI_CHECK(call): abort the job unless call returns MPI_SUCCESS. */
#define MPI_CHECK(call)                                                                            \
    do {                                                                                           \
        int th_err_ = (call);                                                                      \
        if (th_err_ != MPI_SUCCESS) {                                                              \
            char th_msg_[MPI_MAX_ERROR_STRING] = "";                                               \
            int th_len_ = 0;                                                                       \
            MPI_Error_string(th_err_, th_msg_, &th_len_);                                          \
            th_fail(__FILE__, __LINE__, #call, "error %d (%s)", th_err_, th_msg_);                 \
        }                                                                                          \
    } while (0)

/* CHECK_CLASS(err, cls): abort unless MPI error code err has class cls. */
#define CHECK_CLASS(err, cls)                                                                      \
    do {                                                                                           \
        int th_e_ = (err), th_c_ = -1;                                                             \
        MPI_Error_class(th_e_, &th_c_);                                                            \
        if (th_c_ != (cls))                                                                        \
            th_fail(__FILE__, __LINE__, "error class of " #err " is " #cls,                        \
                    "got code %d class %d, want class %d", th_e_, th_c_, (int)(cls));              \
    } while (0)

/* CHECK_PATTERN(buf, len, src, dst, iter): abort unless buf holds the
 * pattern (see testhelp.h); reports the first differing offset. */
#define CHECK_PATTERN(buf, len, src, dst, iter)                                                    \
    do {                                                                                           \
        long th_off_ = th_pattern_verify((buf), (len), (src), (dst), (iter));                      \
        if (th_off_ >= 0)                                                                          \
            th_fail(__FILE__, __LINE__, "payload matches its pattern",                             \
                    "%zu bytes from %d to %d iteration %d differ first at offset %ld",             \
                    (size_t)(len), (int)(src), (int)(dst), (int)(iter), th_off_);                  \
    } while (0)

#ifdef MPIX_ANY_SPARE
/* th_move(): moves the calling rank to any spare cluster (nanvix-mpi's
 * MPI_Migrateto) and aborts the job unless it arrived on another cluster. */
#define th_move() th_move_at(__FILE__, __LINE__)
static inline void th_move_at(const char *file, int line)
{
    int c0 = -1, c1 = -1, err;

    if ((err = MPIX_Cluster_self(&c0)) != MPI_SUCCESS ||
        (err = MPI_Migrateto(MPIX_ANY_SPARE)) != MPI_SUCCESS ||
        (err = MPIX_Cluster_self(&c1)) != MPI_SUCCESS) {
        char msg[MPI_MAX_ERROR_STRING] = "";
        int len = 0;

        MPI_Error_string(err, msg, &len);
        th_fail(file, line, "move to any spare", "error %d (%s)", err, msg);
    }
    if (c1 == c0)
        th_fail(file, line, "move to any spare", "still on cluster %d", c0);
}
#endif

#endif /* TESTHELP_MPI_H */
