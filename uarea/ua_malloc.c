/* ua_malloc.c: the interposed malloc family, routing each call to the
 * container allocator or to glibc.
 *
 * An allocation goes to the container when the calling thread runs rank code
 * (the rank's main context, a thread the application started, or a thread
 * working for the rank inside an MPI call: ua_threads.c) and is not inside
 * a kernel call (knode_in_kernel()); the allocator's own lock (ua_alloc.c)
 * serialises those threads;
 * otherwise glibc's own entry points (__libc_malloc...) serve it, so runtime
 * memory never moves. free, realloc and malloc_usable_size decide by address:
 * a pointer inside the region belongs to the container allocator whatever the
 * context. Errors follow glibc: ENOMEM for sizes that cannot be served,
 * EINVAL for bad alignments, realloc(p, 0) frees p and returns NULL.
 *
 * These functions run before main, before our own start-up code and inside
 * libc, so they use nothing that may allocate (the TLS flag is initial-exec).
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ua_internal.h"

static struct ua_heap *ua_heap_here(void)
{
    return &((struct ua_header *)UA_REGION_BASE)->heap;
}

/* Non-zero when this call must be served by the container. */
static int ua_use_container(void)
{
    return (ua_tls_rank_active || ua_tls_app_thread || ua_tls_serving) && !knode_in_kernel();
}

static void *ua_set_enomem(void *p)
{
    if (!p)
        errno = ENOMEM;
    return p;
}

static int ua_power_of_two(size_t n)
{
    return n && !(n & (n - 1));
}

void *malloc(size_t size)
{
    if (!ua_use_container())
        return __libc_malloc(size);
    return ua_set_enomem(ua_heap_malloc(ua_heap_here(), size));
}

/* Non-zero when a container pointer freed here must go back to the
 * container heap: a container is here and its rank has not ended. Otherwise
 * the pointer is memory that left with the rank or belongs to a finished
 * one: a library's process-wide state still points at what a rank allocated
 * through it (libgfortran's cache of parsed formats, freed by its
 * destructor at exit in every process a rank ever wrote from), and there is
 * nothing here to free. */
static int ua_heap_live(void)
{
    const struct ua_header *h = ua_header_get();
    return h && h->state != UA_STATE_EXITED;
}

void free(void *p)
{
    if (!p)
        return;
    if (!ua_in_region(p))
        __libc_free(p);
    else if (ua_heap_live())
        ua_heap_free(ua_heap_here(), p);
}

void *calloc(size_t n, size_t size)
{
    size_t bytes;
    if (!ua_use_container())
        return __libc_calloc(n, size);
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return ua_set_enomem(ua_heap_calloc(ua_heap_here(), bytes));
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    if (size == 0) {
        free(p);
        return NULL;
    }
    if (!ua_in_region(p))
        return __libc_realloc(p, size);
    return ua_set_enomem(ua_heap_realloc(ua_heap_here(), p, size));
}

void *reallocarray(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, bytes);
}

/* memalign with a valid power-of-two alignment, in either allocator. */
static void *ua_memalign_any(size_t align, size_t size)
{
    if (!ua_use_container())
        return __libc_memalign(align, size);
    return ua_set_enomem(ua_heap_memalign(ua_heap_here(), align, size));
}

void *memalign(size_t align, size_t size)
{
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (!ua_power_of_two(align)) /* glibc rounds up to a power of two */
        align = align < 2 ? 1 : (size_t)1 << (64 - __builtin_clzl(align));
    return ua_memalign_any(align, size);
}

int posix_memalign(void **memptr, size_t align, size_t size)
{
    if (!ua_power_of_two(align) || align % sizeof(void *))
        return EINVAL;
    int saved = errno;
    void *p = ua_memalign_any(align, size);
    if (!p)
        return ENOMEM; /* errno is untouched on failure, as in glibc */
    errno = saved;
    *memptr = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    if (!ua_power_of_two(align)) {
        errno = EINVAL;
        return NULL;
    }
    return ua_memalign_any(align, size);
}

void *valloc(size_t size)
{
    return ua_memalign_any(UA_PAGE_SIZE, size);
}

void *pvalloc(size_t size)
{
    if (size > SIZE_MAX - UA_PAGE_SIZE) {
        errno = ENOMEM;
        return NULL;
    }
    size_t rounded = (size + UA_PAGE_SIZE - 1) & ~(UA_PAGE_SIZE - 1);
    return ua_memalign_any(UA_PAGE_SIZE, rounded ? rounded : UA_PAGE_SIZE);
}

size_t malloc_usable_size(void *p)
{
    static size_t (*libc_usable)(void *);
    if (!p)
        return 0;
    if (ua_in_region(p))
        return ua_heap_usable(ua_heap_here(), p);
    if (!libc_usable)
        libc_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    return libc_usable ? libc_usable(p) : 0;
}
