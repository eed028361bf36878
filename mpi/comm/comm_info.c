/* comm_info.c: info hints of communicators (Comm_set_info, Comm_get_info,
 * Comm_dup_with_info).
 *
 * A communicator keeps, in its hints object (struct mpi_comm, allocated in
 * rank context so it moves with the rank), the hints of the last
 * MPI_Comm_set_info or MPI_Comm_dup_with_info that this library recognises:
 * the four assertions of MPI-4 (mpi_assert_no_any_tag, _no_any_source,
 * _exact_length, _allow_overtaking) with the value "true" or "false".
 * They only permit optimisations, none of which is made, so keeping them
 * is all "using" them means here; any other key is ignored, as MPI allows,
 * and MPI_Comm_get_info returns a new object holding the kept hints.
 * MPI_Comm_dup passes the hints on (comm_create.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "comm.h"
#include "info.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Comm_set_info = PMPI_Comm_set_info
#pragma weak MPI_Comm_get_info = PMPI_Comm_get_info
#pragma weak MPI_Comm_dup_with_info = PMPI_Comm_dup_with_info

static const char *const known_hints[] = {
    "mpi_assert_no_any_tag",
    "mpi_assert_no_any_source",
    "mpi_assert_exact_length",
    "mpi_assert_allow_overtaking",
};

/* Copies the recognised hints of from into a new object *to_p (NULL when
 * there are none). Returns MPI_SUCCESS or -ENOMEM. */
static int hints_filter(const struct mpi_info *from, struct mpi_info **to_p)
{
    struct mpi_info *to = NULL;
    size_t i;

    *to_p = NULL;
    for (i = 0; from && i < sizeof(known_hints) / sizeof(known_hints[0]); i++) {
        const char *v = mpi_info_lookup(from, known_hints[i]);
        if (!v || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
            continue;
        if ((!to && !(to = calloc(1, sizeof(*to)))) || mpi_info_put(to, known_hints[i], v)) {
            mpi_info_destroy(to);
            return -ENOMEM;
        }
    }
    *to_p = to;
    return MPI_SUCCESS;
}

int mpi_comm_hints_copy(const struct mpi_comm *from, struct mpi_comm *to)
{
    struct mpi_info *h;
    int err = hints_filter(from->hints, &h);

    if (!err) {
        mpi_info_destroy(to->hints);
        to->hints = h;
    }
    return err;
}

int mpi_comm_hints_set(struct mpi_rank_state *s, struct mpi_comm *c, MPI_Info info)
{
    const struct mpi_info *from = NULL;
    struct mpi_info *h;
    int err;

    if (info != MPI_INFO_NULL && !(from = mpi_info_get(s, info)))
        return MPI_ERR_INFO;
    err = hints_filter(from, &h);
    if (!err) {
        mpi_info_destroy(c->hints);
        c->hints = h;
    }
    return err;
}

int PMPI_Comm_set_info(MPI_Comm comm, MPI_Info info)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && (info == MPI_INFO_NULL || !mpi_info_get(s, info)))
        err = MPI_ERR_INFO;
    if (!err)
        err = mpi_comm_hints_set(s, c, info);
    return mpi_error(comm, err, "MPI_Comm_set_info");
}

int PMPI_Comm_get_info(MPI_Comm comm, MPI_Info *info_used)
{
    MPI_THREAD_GUARD();
    static const struct mpi_info none = {0};
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !info_used)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_info_dup(s, c->hints ? c->hints : &none, info_used);
    return mpi_error(comm, err, "MPI_Comm_get_info");
}

/* A duplicate whose hints come from info instead of comm. Collective like
 * MPI_Comm_dup; the info check comes first so that every rank fails the
 * same way before any communication. */
int PMPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && info != MPI_INFO_NULL && !mpi_info_get(s, info))
        err = MPI_ERR_INFO;
    if (!err && !newcomm)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_dup_with_info");
    err = PMPI_Comm_dup(comm, newcomm);
    if (err)
        return err; /* reported by MPI_Comm_dup */
    err = mpi_comm_hints_set(s, mpi_comm_get(s, *newcomm), info);
    if (err) {
        PMPI_Comm_free(newcomm);
        return mpi_error(comm, err, "MPI_Comm_dup_with_info");
    }
    return MPI_SUCCESS;
}
