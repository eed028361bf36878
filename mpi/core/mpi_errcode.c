/* mpi_errcode.c: MPI_Add_error_class/code/string and MPIX_Delete_error_*.
 *
 * Added numbers index a table of the root object from MPI_ERRCODE_DYN_BASE
 * on; the lowest free entry is taken, so adding and deleting in a loop does
 * not grow the table. A code is valid for the error calls of mpi_error.c
 * (MPI_Error_class, MPI_Error_string, the error handlers) through
 * mpi_errcode_class() and mpi_errcode_string(). Deleting a class that still
 * has codes, a predefined class, or a number that is not in use is
 * MPI_ERR_ARG; a string longer than MPI_MAX_ERROR_STRING - 1 too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mpi_errcode.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Add_error_class = PMPI_Add_error_class
#pragma weak MPI_Add_error_code = PMPI_Add_error_code
#pragma weak MPI_Add_error_string = PMPI_Add_error_string
#pragma weak MPIX_Delete_error_class = PMPIX_Delete_error_class
#pragma weak MPIX_Delete_error_code = PMPIX_Delete_error_code
#pragma weak MPIX_Delete_error_string = PMPIX_Delete_error_string

/* The entry of added number code, or NULL. */
static struct mpi_errcode *entry(struct mpi_rank_state *s, int code)
{
    int i = code - MPI_ERRCODE_DYN_BASE;

    if (!s || i < 0 || i >= s->errcodes.n || !s->errcodes.ents[i].used)
        return NULL;
    return &s->errcodes.ents[i];
}

int mpi_errcode_class(int code)
{
    struct mpi_errcode *e = entry(mpi_state(), code);

    return !e ? -1 : e->is_class ? code : e->cls;
}

const char *mpi_errcode_string(int code)
{
    struct mpi_errcode *e = entry(mpi_state(), code);

    return !e ? NULL : e->string ? e->string : "";
}

int mpi_errcode_last(struct mpi_rank_state *s)
{
    int i;

    for (i = s->errcodes.n - 1; i >= 0; i--)
        if (s->errcodes.ents[i].used)
            return MPI_ERRCODE_DYN_BASE + i;
    return MPICH_ERR_LAST_MPIX;
}

void mpi_errcode_teardown(struct mpi_rank_state *s)
{
    int i;

    for (i = 0; i < s->errcodes.n; i++)
        free(s->errcodes.ents[i].string);
    free(s->errcodes.ents);
    s->errcodes.ents = NULL;
    s->errcodes.n = 0;
}

/* Takes the lowest free number for a class (cls < 0) or a code of cls.
 * Returns MPI_SUCCESS or -ENOMEM. */
static int errcode_add(struct mpi_rank_state *s, int cls, int *code_p)
{
    struct mpi_errcode_table *t = &s->errcodes;
    struct mpi_errcode *ents;
    int i;

    for (i = 0; i < t->n && t->ents[i].used; i++)
        ;
    if (i == t->n) {
        int n = t->n ? t->n * 2 : 16;

        ents = realloc(t->ents, sizeof(*ents) * (size_t)n);
        if (!ents)
            return -ENOMEM;
        memset(ents + t->n, 0, sizeof(*ents) * (size_t)(n - t->n));
        t->ents = ents;
        t->n = n;
    }
    t->ents[i].used = 1;
    t->ents[i].is_class = cls < 0;
    t->ents[i].cls = cls;
    t->ents[i].string = NULL;
    *code_p = MPI_ERRCODE_DYN_BASE + i;
    return MPI_SUCCESS;
}

int PMPI_Add_error_class(int *errorclass)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && !errorclass)
        err = MPI_ERR_ARG;
    if (!err)
        err = errcode_add(s, -1, errorclass);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Add_error_class");
}

/* Non-zero when cls is a predefined class or an added one. */
static int class_valid(int cls)
{
    return (cls >= 0 && cls <= MPICH_ERR_LAST_MPIX && mpi_error_class_of(cls) == cls) ||
           mpi_errcode_class(cls) == cls;
}

int PMPI_Add_error_code(int errorclass, int *errorcode)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s);

    if (!err && (!errorcode || !class_valid(errorclass)))
        err = MPI_ERR_ARG;
    if (!err)
        err = errcode_add(s, errorclass, errorcode);
    return mpi_error(MPI_COMM_WORLD, err, "MPI_Add_error_code");
}

/* Only added numbers take a string: predefined ones keep theirs. */
int PMPI_Add_error_string(int errorcode, const char *string)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_errcode *e = NULL;
    char *copy = NULL;
    int err = mpi_enter(&s);

    if (!err && (!string || strnlen(string, MPI_MAX_ERROR_STRING) >= MPI_MAX_ERROR_STRING ||
                 !(e = entry(s, errorcode))))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Add_error_string");
    copy = strdup(string);
    if (!copy)
        return mpi_error(MPI_COMM_WORLD, -ENOMEM, "MPI_Add_error_string");
    free(e->string);
    e->string = copy;
    return MPI_SUCCESS;
}

/* Frees entry e. */
static void errcode_drop(struct mpi_errcode *e)
{
    free(e->string);
    memset(e, 0, sizeof(*e));
}

int PMPIX_Delete_error_class(int errorclass)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_errcode *e = NULL;
    int err = mpi_enter(&s), i;

    if (!err && (!(e = entry(s, errorclass)) || !e->is_class))
        err = MPI_ERR_ARG;
    for (i = 0; !err && i < s->errcodes.n; i++)
        if (s->errcodes.ents[i].used && !s->errcodes.ents[i].is_class &&
            s->errcodes.ents[i].cls == errorclass)
            err = MPI_ERR_ARG; /* its codes must go first */
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Delete_error_class");
    errcode_drop(e);
    return MPI_SUCCESS;
}

int PMPIX_Delete_error_code(int errorcode)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_errcode *e = NULL;
    int err = mpi_enter(&s);

    if (!err && (!(e = entry(s, errorcode)) || e->is_class))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Delete_error_code");
    errcode_drop(e);
    return MPI_SUCCESS;
}

int PMPIX_Delete_error_string(int errorcode)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_errcode *e = NULL;
    int err = mpi_enter(&s);

    if (!err && !(e = entry(s, errorcode)))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Delete_error_string");
    free(e->string);
    e->string = NULL;
    return MPI_SUCCESS;
}
