/* np_table.c: small id tables mapping ids (>= 0) to objects.
 *
 * A table is a growable array of pointers; an id is an index. Ids are handed
 * out lowest-free-first so tables stay dense. Callers hold np_lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "np_internal.h"

/* Stores obj in the lowest free slot. Returns its id, or -ENOMEM. */
int np_table_add(struct np_table *t, void *obj)
{
    for (int i = 0; i < t->nslots; i++) {
        if (t->slots[i] == NULL) {
            t->slots[i] = obj;
            return i;
        }
    }
    int n = t->nslots ? 2 * t->nslots : 16;
    void **slots = realloc(t->slots, (size_t)n * sizeof(*slots));
    if (slots == NULL)
        return -ENOMEM;
    for (int i = t->nslots; i < n; i++)
        slots[i] = NULL;
    int id = t->nslots;
    slots[id] = obj;
    t->slots = slots;
    t->nslots = n;
    return id;
}

/* Returns the object of id, or NULL for an unknown or free id. */
void *np_table_get(struct np_table *t, int id)
{
    if (id < 0 || id >= t->nslots)
        return NULL;
    return t->slots[id];
}

/* Frees the slot of id (the object itself belongs to the caller). */
void np_table_remove(struct np_table *t, int id)
{
    if (id >= 0 && id < t->nslots)
        t->slots[id] = NULL;
}
