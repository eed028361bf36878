/* ua_region.c: the reserved container region, its header and the per-rank slots.
 *
 * Every cluster (rank host or spare) reserves the same region at
 * UA_REGION_BASE with MAP_FIXED_NOREPLACE | MAP_NORESERVE: nothing is
 * committed until touched, and nothing already mapped there is ever replaced.
 * Only the guard gap below the rank stack is made inaccessible, and the
 * region asks for 4 KiB pages (see ua_region_map). A container
 * is "present" when the header at the start of the region carries UA_MAGIC and
 * our layout version: it was created here (ua_container_create) or restored
 * from another cluster. argv and envp are copied into the container heap so
 * that the rank's main keeps valid pointers wherever it runs.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "ua_internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static int ua_mapped; /* per process: the region is reserved here */

int ua_region_map(void)
{
    if (ua_mapped)
        return 0;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE;
    void *p = mmap((void *)UA_REGION_BASE, UA_REGION_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return errno == EEXIST ? -EEXIST : -ENOMEM;
    if (p != (void *)UA_REGION_BASE) { /* kernel < 4.17 took it as a hint */
        munmap(p, UA_REGION_SIZE);
        return -EEXIST;
    }
    if (mprotect((void *)(UA_REGION_BASE + UA_HEADER_SIZE), UA_GUARD_SIZE, PROT_NONE) < 0) {
        munmap(p, UA_REGION_SIZE);
        return -ENOMEM;
    }
    /* 4 KiB pages only: with THP "always" one touched byte would make 2 MiB
     * resident, and sent by every move. Receivers lift this for whole 2 MiB
     * blocks they fill (ua_range_prepare), then put it back; the allocator
     * lifts it for big heap blocks (ua_alloc.c). A hint. */
    madvise(p, UA_REGION_SIZE, MADV_NOHUGEPAGE);
    ua_mapped = 1;
    return 0;
}

int ua_region_mapped(void)
{
    return ua_mapped;
}

struct ua_header *ua_header_get(void)
{
    struct ua_header *h = (struct ua_header *)UA_REGION_BASE;
    if (!ua_mapped || h->magic != UA_MAGIC || h->version != UA_LAYOUT_VERSION)
        return NULL;
    return h;
}

int ua_container_present(void)
{
    return ua_header_get() != NULL;
}

/* Copies a NULL-terminated string vector into the container heap. */
static char **ua_strv_copy(struct ua_heap *heap, char **v, int n)
{
    char **copy = ua_heap_malloc(heap, (n + 1) * sizeof(char *));
    if (!copy)
        return NULL;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        copy[i] = ua_heap_malloc(heap, len);
        if (!copy[i])
            return NULL;
        memcpy(copy[i], v[i], len);
    }
    copy[n] = NULL;
    return copy;
}

static int ua_strv_count(char **v)
{
    int n = 0;
    while (v && v[n])
        n++;
    return n;
}

int ua_container_create(void *app_main, int argc, char **argv, char **envp)
{
    if (!ua_mapped)
        return -ENODEV;
    struct ua_header *h = (struct ua_header *)UA_REGION_BASE;
    memset(h, 0, sizeof(*h));
    h->version = UA_LAYOUT_VERSION;
    h->fingerprint = ua_layout_fingerprint();
    h->rank = -1;
    h->app_main = app_main;
    h->stack_lo = UA_STACK_LO;
    h->stack_hi = UA_STACK_HI;
    ua_heap_init(&h->heap, UA_STACK_HI, UA_REGION_END);
    h->argc = argc;
    h->argv = ua_strv_copy(&h->heap, argv, argc);
    h->envp = ua_strv_copy(&h->heap, envp, ua_strv_count(envp));
    if (!h->argv || !h->envp)
        return -ENOMEM;
    ua_context_prepare(h);
    h->magic = UA_MAGIC;
    return 0;
}

int ua_set_rank(int rank)
{
    struct ua_header *h = ua_header_get();
    if (!h)
        return -ENODEV;
    h->rank = rank;
    return 0;
}

int ua_get_rank(void)
{
    struct ua_header *h = ua_header_get();
    return h ? h->rank : -1;
}

void **ua_root(int slot)
{
    struct ua_header *h = ua_header_get();

    if (h == NULL || slot < 0 || slot >= UA_ROOT_SLOTS)
        return NULL;
    return &h->root[slot];
}
