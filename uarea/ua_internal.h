/* ua_internal.h: private header of the uarea layer: the container layout and
 * the functions the uarea files share.
 *
 * The container layout is written down here, once. The region starts with the
 * uarea header (struct ua_header, at UA_REGION_BASE), then comes a PROT_NONE
 * guard gap, the rank stack (growing down towards the guard) and the heap,
 * which runs from the top of the stack to the end of the region:
 *
 *   UA_REGION_BASE                     header  (UA_HEADER_SIZE)
 *   + UA_HEADER_SIZE                   guard   (UA_GUARD_SIZE, PROT_NONE)
 *   + UA_HEADER_SIZE + UA_GUARD_SIZE   stack   (UA_STACK_SIZE)   = stack_lo
 *   stack_hi = stack_lo + UA_STACK_SIZE heap    (to the region end)
 *
 * Everything the rank needs to continue elsewhere is inside: the saved rank
 * context, the allocator state, argv/envp copies and the MPI root pointer.
 * A receiver checks magic and version before trusting the header.
 */
#ifndef UA_INTERNAL_H
#define UA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "base.h"
#include "nanvix.h"
#include "ua.h"

#define UA_MAGIC      0x6e6d70695541ULL /* "nmpiUA": header is valid */
#define UA_PAGE_SIZE  4096UL
#define UA_STACK_LO   (UA_REGION_BASE + UA_HEADER_SIZE + UA_GUARD_SIZE)
#define UA_STACK_HI   (UA_STACK_LO + UA_STACK_SIZE)
#define UA_REGION_END (UA_REGION_BASE + UA_REGION_SIZE)

/* Rank states (struct ua_header.state). */
#define UA_STATE_NEW       0 /* created, main not started yet */
#define UA_STATE_RUNNING   1 /* rank code runs (or the header is being sent mid-run) */
#define UA_STATE_SUSPENDED 2 /* rank_ctx holds the rank, ready to move or resume */
#define UA_STATE_EXITED    3 /* main returned exit_status */

/* ---- container allocator (ua_alloc.c) ------------------------------------- */

#define UA_SMALL_MAX 32768UL /* larger requests are served as page runs */
#define UA_NCLASSES  44      /* 16..256 by 16, then 4 classes per doubling */
#define UA_CHUNK_HDR 16UL    /* bytes before every user pointer */

/* Allocator state. Every byte of it lives in the container (in the header),
 * and every block it hands out is in [base, limit), so the heap moves with
 * the rank and needs no fix-up. */
struct ua_heap {
    volatile int lock; /* spin lock: 0 free, 1 held */
    uint32_t pad;
    uintptr_t base;      /* first byte of the heap */
    uintptr_t top;       /* end of the used part; above it pages are zero */
    uintptr_t limit;     /* end of the heap (exclusive) */
    uintptr_t small_cur; /* bump area that small chunks are carved from */
    uintptr_t small_end;
    void *free_small[UA_NCLASSES]; /* LIFO free list per size class */
    void *free_runs;               /* address-ordered list of free page runs */
    uint64_t runs_free_bytes;      /* bytes in free_runs (statistics) */
    uint64_t nallocs;              /* live allocations (statistics) */
};

/* Sets up an empty heap over [base, limit); both page aligned. */
void ua_heap_init(struct ua_heap *h, uintptr_t base, uintptr_t limit);
/* Each returns NULL when the heap is exhausted (the caller sets errno). */
void *ua_heap_malloc(struct ua_heap *h, size_t size);
void *ua_heap_calloc(struct ua_heap *h, size_t size);
void *ua_heap_memalign(struct ua_heap *h, size_t align, size_t size);
void *ua_heap_realloc(struct ua_heap *h, void *p, size_t size);
void ua_heap_free(struct ua_heap *h, void *p);
size_t ua_heap_usable(struct ua_heap *h, const void *p);
/* Size class helpers, exposed for the unit tests. */
int ua_heap_class_of(size_t size);
size_t ua_heap_class_size(int cls);

/* ---- the header ---------------------------------------------------------- */

/* The uarea header, at UA_REGION_BASE. Version UA_LAYOUT_VERSION. */
struct ua_header {
    uint64_t magic;            /* UA_MAGIC once initialised; 0 in an empty region */
    uint32_t version;          /* UA_LAYOUT_VERSION of the writer */
    uint32_t state;            /* UA_STATE_*: what rank_ctx holds */
    uint64_t fingerprint;      /* ua_layout_fingerprint() of the creating process */
    int32_t rank;              /* logical MPI rank, -1 until ua_set_rank() */
    int32_t exit_status;       /* main's return value once state is EXITED */
    void *root[UA_ROOT_SLOTS]; /* per-rank state of the layers above (ua_root()) */
    void *app_main;            /* the application's main, int (*)(int, char **, char **) */
    int32_t argc;              /* argument count passed to main */
    int32_t pad;
    char **argv;        /* argv copy, inside the container */
    char **envp;        /* envp copy, inside the container */
    uintptr_t stack_lo; /* rank stack bounds [stack_lo, stack_hi) */
    uintptr_t stack_hi;
    uint64_t nswitches;  /* context switches into the rank (statistics) */
    ucontext_t rank_ctx; /* the rank's saved context while not running */
    struct ua_heap heap; /* container allocator state; heap.top is the heap top */
};

/* ---- region and header (ua_region.c) -------------------------------------- */

/* Reserves the region at UA_REGION_BASE in this process. Returns 0, -EEXIST if
 * something already sits there, -ENOMEM. Idempotent once it succeeded. */
int ua_region_map(void);
/* Non-zero once ua_region_map() succeeded. */
int ua_region_mapped(void);
/* The header, or NULL when no valid container is present. */
struct ua_header *ua_header_get(void);
/* Initialises a fresh container for main(argc, argv, envp): header, heap and
 * argv/envp copies. Returns 0, -ENODEV without region, -ENOMEM. */
int ua_container_create(void *app_main, int argc, char **argv, char **envp);

/* ---- contexts (ua_context.c) ---------------------------------------------- */

/* Prepares the rank context so that the first resume calls the application's
 * main on the rank stack. */
void ua_context_prepare(struct ua_header *h);
/* The registered hooks (fields may be NULL). */
const struct ua_boot_hooks *ua_boot_hooks_get(void);
/* Kernel context: runs whatever comes after the rank left or on a spare
 * (spare_loop, or without hooks: resume a suspended rank). Returns the exit
 * status of the process. */
int ua_kernel_idle(void);

/* ---- start-up (ua_start.c, ua_aslr.c) ------------------------------------- */

/* Re-executes the process without ASLR if needed (may not return). */
void ua_aslr_ensure(char **argv);

/* Thread pointer of the main thread (0 when start-up was not interposed). */
extern uintptr_t ua_main_thread_pointer;

/* ---- globals (ua_globals.c) ----------------------------------------------- */

/* Most globals ranges (one more than the most copy relocations handled). */
#define UA_GLOBALS_MAX 1025

/* The globals ranges, computed once per process; *n_p is their number or a
 * negative errno (-ENOENT, -E2BIG: too many copy relocations). */
const struct ua_range *ua_globals_cached(int *n_p);

/* Non-zero when [addr, addr + len) lies in one globals range. */
int ua_globals_contain(uintptr_t addr, size_t len);

/* ---- libc and lower layer ------------------------------------------------- */

/* glibc's own allocator entry points, used outside rank context. */
extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

/* Thread flag: the thread runs rank code. initial-exec TLS, so reading it
 * never allocates (it is read inside malloc). */
extern __thread int ua_tls_rank_active __attribute__((tls_model("initial-exec")));

/* Thread flag: an application thread working for the rank inside an MPI
 * call (ua_thread_serve); its allocations go to the container. */
extern __thread int ua_tls_serving __attribute__((tls_model("initial-exec")));

/* Thread flag: a thread the application started (ua_threads.c). */
extern __thread int ua_tls_app_thread __attribute__((tls_model("initial-exec")));

/* Non-zero when addr lies in the container region. */
static inline int ua_in_region(const void *addr)
{
    return (uintptr_t)addr - UA_REGION_BASE < UA_REGION_SIZE;
}

/* Logs "uarea: <message>" on stderr (no allocation). */
/* This layer's errors go to the library's log ("nanvix-mpi: uarea: ..."),
 * which writes with write(2): safe before libc is set up and inside the
 * allocator. */
#define ua_log(...) base_log(BASE_LOG_ERROR, "uarea", __VA_ARGS__)

/* ua_touched.c, for tests: 1 makes the touched-page scan read pagemap's
 * entries as on a kernel without PAGEMAP_SCAN, 0 back to the ioctl. */
void ua_touched_use_entries(int on);

#endif /* UA_INTERNAL_H */
