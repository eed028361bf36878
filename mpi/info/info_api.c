/* info_api.c: the MPI_Info_* entry points.
 *
 * MPI lets these run before MPI_Init and after MPI_Finalize, so they reach
 * the root object with mpi_state_early() and report errors through the
 * error handler of MPI_COMM_WORLD only while MPI is running (before and
 * after, the error class is returned). Handles are checked first: anything
 * that is not a live info object is MPI_ERR_INFO; keys and values are
 * checked against MPI_MAX_INFO_KEY / MPI_MAX_INFO_VAL (MPI_ERR_INFO_KEY,
 * MPI_ERR_INFO_VALUE); other bad arguments are MPI_ERR_ARG.
 */
#include <stdio.h>
#include <string.h>
#include "info.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Info_create = PMPI_Info_create
#pragma weak MPI_Info_set = PMPI_Info_set
#pragma weak MPI_Info_get = PMPI_Info_get
#pragma weak MPI_Info_get_valuelen = PMPI_Info_get_valuelen
#pragma weak MPI_Info_get_string = PMPI_Info_get_string
#pragma weak MPI_Info_get_nkeys = PMPI_Info_get_nkeys
#pragma weak MPI_Info_get_nthkey = PMPI_Info_get_nthkey
#pragma weak MPI_Info_delete = PMPI_Info_delete
#pragma weak MPI_Info_dup = PMPI_Info_dup
#pragma weak MPI_Info_free = PMPI_Info_free
#pragma weak MPI_Info_create_env = PMPI_Info_create_env

/* The error class of code, through MPI_COMM_WORLD's handler while MPI runs. */
static int info_error(int code, const char *fname)
{
    struct mpi_rank_state *s;

    if (code == MPI_SUCCESS)
        return MPI_SUCCESS;
    if (mpi_enter(&s) == MPI_SUCCESS)
        return mpi_error(MPI_COMM_WORLD, code, fname);
    return mpi_error_class_of(code);
}

/* Root object and the live object behind h (MPI_ERR_INFO). */
static int info_enter(MPI_Info h, struct mpi_rank_state **s_p, struct mpi_info **info_p)
{
    int err = mpi_state_early(s_p);

    if (!err && !(*info_p = mpi_info_get(*s_p, h)))
        err = MPI_ERR_INFO;
    return err;
}

int PMPI_Info_create(MPI_Info *info)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_state_early(&s);

    if (!err && !info)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_info_new(s, info);
    return info_error(err, "MPI_Info_create");
}

int PMPI_Info_set(MPI_Info info, const char *key, const char *value)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    int err = info_enter(info, &s, &i);

    if (!err && info == MPI_INFO_ENV)
        err = MPI_ERR_INFO; /* predefined, read-only */
    if (!err)
        err = mpi_info_check_key(key);
    if (!err)
        err = mpi_info_check_value(value);
    if (!err)
        err = mpi_info_put(i, key, value);
    return info_error(err, "MPI_Info_set");
}

int PMPI_Info_get(MPI_Info info, const char *key, int valuelen, char *value, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    const char *v = NULL;
    int err = info_enter(info, &s, &i);

    if (!err)
        err = mpi_info_check_key(key);
    if (!err && (valuelen < 0 || !flag || (valuelen > 0 && !value)))
        err = MPI_ERR_ARG;
    if (err)
        return info_error(err, "MPI_Info_get");
    v = mpi_info_lookup(i, key);
    *flag = v != NULL;
    if (v) /* at most valuelen characters, and the terminating null */
        snprintf(value, (size_t)valuelen + 1, "%s", v);
    return MPI_SUCCESS;
}

int PMPI_Info_get_valuelen(MPI_Info info, const char *key, int *valuelen, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    const char *v = NULL;
    int err = info_enter(info, &s, &i);

    if (!err)
        err = mpi_info_check_key(key);
    if (!err && (!valuelen || !flag))
        err = MPI_ERR_ARG;
    if (err)
        return info_error(err, "MPI_Info_get_valuelen");
    v = mpi_info_lookup(i, key);
    *flag = v != NULL;
    if (v)
        *valuelen = (int)strlen(v);
    return MPI_SUCCESS;
}

/* MPI-4: *buflen in, the size of value; out, the length of the value plus
 * one. A buffer too short gets the value's start, null-terminated. */
int PMPI_Info_get_string(MPI_Info info, const char *key, int *buflen, char *value, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    const char *v = NULL;
    int err = info_enter(info, &s, &i);

    if (!err)
        err = mpi_info_check_key(key);
    if (!err && (!buflen || *buflen < 0 || !flag || (*buflen > 0 && !value)))
        err = MPI_ERR_ARG;
    if (err)
        return info_error(err, "MPI_Info_get_string");
    v = mpi_info_lookup(i, key);
    *flag = v != NULL;
    if (!v)
        return MPI_SUCCESS;
    if (*buflen > 0)
        snprintf(value, (size_t)*buflen, "%s", v);
    *buflen = (int)strlen(v) + 1;
    return MPI_SUCCESS;
}

int PMPI_Info_get_nkeys(MPI_Info info, int *nkeys)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    int err = info_enter(info, &s, &i);

    if (!err && !nkeys)
        err = MPI_ERR_ARG;
    if (err)
        return info_error(err, "MPI_Info_get_nkeys");
    *nkeys = i->n;
    return MPI_SUCCESS;
}

int PMPI_Info_get_nthkey(MPI_Info info, int n, char *key)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    int err = info_enter(info, &s, &i);

    if (!err && (!key || n < 0 || n >= i->n))
        err = MPI_ERR_ARG;
    if (err)
        return info_error(err, "MPI_Info_get_nthkey");
    snprintf(key, MPI_MAX_INFO_KEY + 1, "%s", i->items[n].key);
    return MPI_SUCCESS;
}

int PMPI_Info_delete(MPI_Info info, const char *key)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    int err = info_enter(info, &s, &i);

    if (!err && info == MPI_INFO_ENV)
        err = MPI_ERR_INFO;
    if (!err)
        err = mpi_info_check_key(key);
    if (!err)
        err = mpi_info_remove(i, key);
    return info_error(err, "MPI_Info_delete");
}

int PMPI_Info_dup(MPI_Info info, MPI_Info *newinfo)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    int err = info_enter(info, &s, &i);

    if (!err && !newinfo)
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_info_dup(s, i, newinfo);
    return info_error(err, "MPI_Info_dup");
}

int PMPI_Info_free(MPI_Info *info)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    int err = info ? info_enter(*info, &s, &i) : MPI_ERR_ARG;

    if (!err && *info == MPI_INFO_ENV)
        err = MPI_ERR_INFO; /* predefined objects are not freed */
    if (err)
        return info_error(err, "MPI_Info_free");
    mpi_info_free(s, *info);
    *info = MPI_INFO_NULL;
    return MPI_SUCCESS;
}

int PMPI_Info_create_env(int argc, char *argv[], MPI_Info *info)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_info *i;
    int err = mpi_state_early(&s);

    if (!err && (!info || argc < 0 || (argc > 0 && !argv)))
        err = MPI_ERR_ARG;
    if (!err)
        err = mpi_info_new(s, info);
    if (err)
        return info_error(err, "MPI_Info_create_env");
    i = mpi_info_get(s, *info);
    err = mpi_info_fill_env(i, argc, argc > 0 ? argv : NULL);
    if (err) {
        mpi_info_free(s, *info);
        *info = MPI_INFO_NULL;
    }
    return info_error(err, "MPI_Info_create_env");
}
