/* info.c: the table of MPI_Info objects and the operations on one object.
 *
 * The table is an array of pointers in the root object (mpi_state.h),
 * indexed by the handle's index bits and grown by doubling; a freed slot is
 * NULL and taken again by the next object. An object is a small array of
 * (key, value) string pairs searched linearly: info objects hold a handful
 * of hints, and the order of first insertion is what MPI_Info_get_nthkey
 * reports. Everything is allocated in rank context, inside the container.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "info.h"
#include "mpi_state.h"

struct mpi_info *mpi_info_get(struct mpi_rank_state *s, MPI_Info h)
{
    struct mpi_info_table *t = &s->infos;
    int idx = h & MPI_INFO_HANDLE_INDEX;

    if (h == MPI_INFO_ENV) {
        if (!t->env && (t->env = calloc(1, sizeof(*t->env))) != NULL &&
            mpi_info_fill_env(t->env, 0, NULL) != MPI_SUCCESS) {
            mpi_info_destroy(t->env);
            t->env = NULL;
        }
        return t->env;
    }
    if ((h & ~MPI_INFO_HANDLE_INDEX) != MPI_INFO_HANDLE_DIRECT || idx >= t->nslots)
        return NULL;
    return t->slots[idx];
}

/* A free index of the table, growing it if needed; -ENOMEM. */
static int table_slot(struct mpi_info_table *t)
{
    struct mpi_info **slots;
    int i, n = t->nslots ? t->nslots * 2 : 16;

    for (i = 0; i < t->nslots; i++)
        if (!t->slots[i])
            return i;
    if (n > MPI_INFO_HANDLE_INDEX)
        return -ENOMEM;
    slots = realloc(t->slots, sizeof(*slots) * (size_t)n);
    if (!slots)
        return -ENOMEM;
    for (i = t->nslots; i < n; i++)
        slots[i] = NULL;
    i = t->nslots;
    t->slots = slots;
    t->nslots = n;
    return i;
}

/* Gives info a handle. Returns MPI_SUCCESS or -ENOMEM (info destroyed). */
static int info_register(struct mpi_rank_state *s, struct mpi_info *info, MPI_Info *h_p)
{
    int idx = table_slot(&s->infos);

    if (idx < 0) {
        mpi_info_destroy(info);
        return idx;
    }
    s->infos.slots[idx] = info;
    *h_p = MPI_INFO_HANDLE_DIRECT | idx;
    return MPI_SUCCESS;
}

int mpi_info_new(struct mpi_rank_state *s, MPI_Info *h_p)
{
    struct mpi_info *info = calloc(1, sizeof(*info));

    if (!info)
        return -ENOMEM;
    return info_register(s, info, h_p);
}

int mpi_info_dup(struct mpi_rank_state *s, const struct mpi_info *src, MPI_Info *h_p)
{
    struct mpi_info *info = calloc(1, sizeof(*info));
    int i;

    if (!info)
        return -ENOMEM;
    for (i = 0; i < src->n; i++)
        if (mpi_info_put(info, src->items[i].key, src->items[i].value) != MPI_SUCCESS) {
            mpi_info_destroy(info);
            return -ENOMEM;
        }
    return info_register(s, info, h_p);
}

void mpi_info_free(struct mpi_rank_state *s, MPI_Info h)
{
    int idx = h & MPI_INFO_HANDLE_INDEX;

    mpi_info_destroy(s->infos.slots[idx]);
    s->infos.slots[idx] = NULL;
}

void mpi_info_destroy(struct mpi_info *info)
{
    int i;

    if (!info)
        return;
    for (i = 0; i < info->n; i++) {
        free(info->items[i].key);
        free(info->items[i].value);
    }
    free(info->items);
    free(info);
}

/* Index of key in info, or -1. */
static int info_find(const struct mpi_info *info, const char *key)
{
    int i;

    for (i = 0; i < info->n; i++)
        if (strcmp(info->items[i].key, key) == 0)
            return i;
    return -1;
}

const char *mpi_info_lookup(const struct mpi_info *info, const char *key)
{
    int i = info_find(info, key);

    return i < 0 ? NULL : info->items[i].value;
}

/* Room for one more entry. Returns MPI_SUCCESS or -ENOMEM. */
static int info_reserve(struct mpi_info *info)
{
    struct mpi_info_entry *items;
    int n = info->cap ? info->cap * 2 : 8;

    if (info->n < info->cap)
        return MPI_SUCCESS;
    items = realloc(info->items, sizeof(*items) * (size_t)n);
    if (!items)
        return -ENOMEM;
    info->items = items;
    info->cap = n;
    return MPI_SUCCESS;
}

int mpi_info_put(struct mpi_info *info, const char *key, const char *value)
{
    int i = info_find(info, key);
    char *v = strdup(value), *k;

    if (!v)
        return -ENOMEM;
    if (i >= 0) {
        free(info->items[i].value);
        info->items[i].value = v;
        return MPI_SUCCESS;
    }
    k = strdup(key);
    if (!k || info_reserve(info) != MPI_SUCCESS) {
        free(k);
        free(v);
        return -ENOMEM;
    }
    info->items[info->n].key = k;
    info->items[info->n].value = v;
    info->n++;
    return MPI_SUCCESS;
}

int mpi_info_remove(struct mpi_info *info, const char *key)
{
    int i = info_find(info, key);

    if (i < 0)
        return MPI_ERR_INFO_NOKEY;
    free(info->items[i].key);
    free(info->items[i].value);
    memmove(&info->items[i], &info->items[i + 1],
            sizeof(info->items[0]) * (size_t)(info->n - i - 1));
    info->n--;
    return MPI_SUCCESS;
}

int mpi_info_check_key(const char *key)
{
    size_t n = key ? strnlen(key, MPI_MAX_INFO_KEY + 1) : 0;

    return n == 0 || n > MPI_MAX_INFO_KEY ? MPI_ERR_INFO_KEY : MPI_SUCCESS;
}

int mpi_info_check_value(const char *value)
{
    return !value || strnlen(value, MPI_MAX_INFO_VAL + 1) > MPI_MAX_INFO_VAL ? MPI_ERR_INFO_VALUE
                                                                             : MPI_SUCCESS;
}
