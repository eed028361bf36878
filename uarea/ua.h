/* ua.h: the container a rank lives in (uarea layer), its one public header.
 *
 * A container is everything that belongs to one MPI rank and nothing else:
 * its stack, its heap, the application's globals and the rank's MPI state. It
 * lives in one reserved virtual-address region at the same fixed address in
 * every cluster (UA_REGION_BASE, UA_REGION_SIZE), so a rank can be frozen in
 * one process, its touched pages copied to another process of the same job and
 * resumed there without fixing a single pointer.
 *
 * How a program becomes a rank, without changing its source:
 *  - the library interposes __libc_start_main; before main it re-executes the
 *    process once with address-space randomisation off (so every cluster of an
 *    installation maps the same objects at the same addresses), reserves the
 *    region, and runs the application's main on a stack inside the container
 *    ("rank context"), keeping the original stack for the runtime ("kernel
 *    context");
 *  - upper layers plug in through boot hooks (struct ua_boot_hooks), so this
 *    layer never calls upward;
 *  - the malloc family is interposed: in rank context (and in the threads
 *    the application starts) memory comes from an allocator whose whole
 *    state is in the container, elsewhere from libc;
 *    free() and realloc() decide by address;
 *  - the migration layer suspends the rank (ua_rank_suspend), ships what
 *    ua_touched_ranges() lists, restores it elsewhere (ua_restore_range) and
 *    resumes it there (ua_rank_resume).
 *
 * Conventions: functions that can fail return 0 (or a count) on success and a
 * negative errno value on failure. Calls go downward only: this layer uses
 * nanvix-port/nanvix.h and nothing above it.
 *
 * Known limits (cluster-side, they do not move with the rank): thread-local
 * variables of the application, threads the application creates (counted:
 * a rank that runs any is not moved, ua_rank_threads), open file
 * descriptors and FILE streams, libc-internal state (atexit handlers, locale,
 * stdio lists), and setjmp buffers (mangled with the per-process pointer
 * guard). The rank always runs on the main thread of its cluster.
 */
#ifndef UA_H
#define UA_H

#include <linux/fs.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* ---- container layout ---------------------------------------------------- */

#define UA_REGION_BASE    0x100000000000UL /* fixed address of every container */
#define UA_REGION_SIZE    (64UL << 30)     /* 64 GiB reserved, NORESERVE */
#define UA_HEADER_SIZE    (1UL << 20)      /* uarea header area (start of region) */
#define UA_GUARD_SIZE     (64UL << 10)     /* PROT_NONE gap below the stack */
#define UA_STACK_SIZE     (64UL << 20)     /* rank stack, grows down */
#define UA_LAYOUT_VERSION 2                /* bump when struct ua_header changes */

/* ---- the kernel's page scan ---------------------------------------------- */

/* The PAGEMAP_SCAN ioctl on /proc/<pid>/pagemap (Linux 6.7), newer than
 * Debian 12's uapi headers (Linux 6.1): defined here as the kernel's
 * include/uapi/linux/fs.h has it, when the headers lack it. An older
 * kernel refuses the ioctl (ENOTTY, EINVAL): its callers fall back, or say
 * why they cannot (ua_touched.c, rank-migrate's trackers). */
#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED     (1 << 0)
#define PAGE_IS_WRITTEN       (1 << 1)
#define PAGE_IS_FILE          (1 << 2)
#define PAGE_IS_PRESENT       (1 << 3)
#define PAGE_IS_SWAPPED       (1 << 4)
#define PAGE_IS_PFNZERO       (1 << 5)
#define PAGE_IS_HUGE          (1 << 6)
#define PAGE_IS_SOFT_DIRTY    (1 << 7)
#define PM_SCAN_WP_MATCHING   (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
struct page_region {
    uint64_t start, end, categories;
};
struct pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

/* ---- start-up and boot hooks --------------------------------------------- */

/* How upper layers plug into start-up. Every hook runs in kernel (runtime)
 * context, on the process's original stack. Register them from a library
 * constructor, i.e. before main: ua_set_boot_hooks() is read once, when the
 * interposed start-up code runs. */
struct ua_boot_hooks {
    /* Before main. Bootstraps the cluster. Returns 1 if this cluster hosts a
     * rank from the start, 0 if it is an idle spare, < 0 on error (the process
     * then exits with status 1). */
    int (*cluster_boot)(void);
    /* Whenever no rank code runs on this cluster and no main returned: at
     * boot on a spare, and on any cluster after its rank suspended
     * (ua_rank_suspended() is then non-zero: send the container away, then
     * ua_release_container(), or resume it with ua_rank_resume()). Runs until
     * the job ends; when a container arrives it restores it and calls
     * ua_rank_resume(), which returns when the rank suspends again. Returns
     * the process's exit status. */
    int (*spare_loop)(void);
    /* After the rank's main returned `status` on this cluster (wherever it
     * started). Returns the process's exit status; the process then exit()s. */
    int (*rank_exit)(int status);
};

/* Registers the boot hooks (copied). Without hooks, main simply runs on the
 * container stack, a suspended rank is resumed at once, and the process exits
 * with main's status. */
void ua_set_boot_hooks(const struct ua_boot_hooks *hooks);

/* ---- rank context -------------------------------------------------------- */

/* Rank context only: saves the rank's context in the uarea header and
 * switches to kernel context (spare_loop, or the ua_rank_resume() caller).
 * Returns when the rank is resumed, possibly in another process. */
void ua_rank_suspend(void);

/* Kernel context only, with a suspended rank present (ua_rank_suspended()):
 * switches into the saved rank context. Returns when the rank suspends again;
 * if instead the rank's main returns, calls rank_exit and exits the process,
 * never returning. */
void ua_rank_resume(void);

/* Non-zero on the calling thread while it runs rank code. */
int ua_rank_active(void);

/* Non-zero when this cluster holds a container (started here or restored),
 * 0 on a spare or after ua_release_container(). */
int ua_container_present(void);

/* Non-zero when a container is present and its rank is suspended (its context
 * is saved in the header, ready to be sent or resumed). */
int ua_rank_suspended(void);

/* Threads the application started (from rank code, or from a thread so
 * started) that still run; the rank may move only while this is 0, since
 * those threads' stacks stay in the cluster process (ua_threads.c). */
int ua_rank_threads(void);

/* An application thread other than the rank's main context marks the span
 * of an MPI call with ua_thread_serve(1) ... ua_thread_serve(previous): what
 * it allocates meanwhile belongs to the container. Returns the previous
 * mark. */
int ua_thread_serve(int on);

/* The calling thread's mark (0 or 1). */
int ua_thread_serving(void);

/* Logical rank stored in the header (-1 until set). Valid only while a
 * container is present; ua_set_rank() returns 0 or -ENODEV without one. */
int ua_set_rank(int rank);
int ua_get_rank(void);

/* Root slots in the header, where the layers above hang their per-rank state
 * (allocated in rank context, so it lives in the container and moves with
 * the rank). A layer's slot is its distance above this one: the layer
 * directly above uses slot 0, the next one slot 1, and so on; each layer
 * names its slot in its own header. Returns the address of the slot (its
 * content is NULL until the layer stores something), or NULL when no
 * container is present or slot is not in 0..UA_ROOT_SLOTS-1. */
#define UA_ROOT_SLOTS 4
void **ua_root(int slot);

/* ---- layout compatibility ------------------------------------------------ */

/* The stack-protector canary every rank of this job runs with (the same in
 * every cluster; the frames saved in a container carry it): NMPI_STACK_CANARY
 * when set (a job restarted from a checkpoint), else NMPI_JOB_CANARY's. */
uint64_t ua_stack_canary(void);

/* A 64-bit hash of the address-space layout: every loaded object's name, load
 * address, segments and build id, plus the container base, size and layout
 * version. Two processes of the same installation started by this library
 * agree; any other pair disagrees. When this process could not turn ASLR off,
 * the value is mixed with process-unique data so it matches nobody. */
uint64_t ua_layout_fingerprint(void);

/* Non-zero when this process runs without address randomisation (so its
 * containers can move). */
int ua_layout_migratable(void);

/* ---- transfer ------------------------------------------------------------ */

/* An address range [addr, addr + len). */
struct ua_range {
    void *addr;
    size_t len;
};

/* Sets [*lo, *hi) to the span of the main executable's code (its executable
 * segments): a program counter in there runs the application's own code,
 * not a library's. Returns 0 or -ENOENT. Takes the loader's lock: not for
 * signal handlers (ask once and keep the answer). */
int ua_program_code(uintptr_t *lo, uintptr_t *hi);

/* Writes to out[0..max-1] the application's globals: the writable .data/.bss
 * span of the main executable minus its RELRO part, its .got.plt and every
 * object placed there by an R_X86_64_COPY relocation (stdout, environ...,
 * which belong to the cluster). Returns the number of ranges (it may exceed
 * max: then only max were written), or -ENOENT if the executable has no
 * writable segment. */
int ua_globals_ranges(struct ua_range *out, int max);

/* Calls cb(addr, len, arg) for every range to transfer, ascending addresses:
 * the uarea header, the touched pages of the rank stack (from the saved stack
 * pointer up when the rank is suspended) and of the heap (up to the heap top),
 * runs of adjacent pages merged (ascending), then the globals ranges (whole,
 * ascending). Ranges never overlap. Stops at the
 * first non-zero return of cb and returns it; returns 0 when all were listed,
 * -ENODEV without a container. */
int ua_touched_ranges(int (*cb)(void *addr, size_t len, void *arg), void *arg);

/* Writes to out[0..max-1] the container's extents, what a tracker of
 * written pages watches during a pre-copy move: the header's pages, the
 * whole rank stack, the heap from its base to its top now, the globals
 * rounded out to whole pages; page aligned, disjoint (merged where they
 * touch), the region's ascending, then the globals' ascending. Returns their number (it may exceed
 * max: then only max were written), -ENODEV without a container. (ua_extents.c) */
int ua_extents(struct ua_range *out, int max);

/* Returns 0 when [addr, addr + len) may be restored: it lies inside the
 * container (header, stack or heap; not the guard gap) or inside one globals
 * range, and the region is reserved here. Returns -EINVAL otherwise. Lets a
 * receiver validate a whole range table before writing anything. */
int ua_range_check(const void *addr, size_t len);

/* Copies len bytes of data to addr after ua_range_check(). Returns 0, or
 * -EINVAL (nothing written) if the range may not be restored. */
int ua_restore_range(void *addr, const void *data, size_t len);

/* Destination side, around reading a checked range in place. Prepare asks
 * for 2 MiB pages on the part of [addr, addr + len) made of whole aligned
 * 2 MiB blocks: every byte there is about to be written, so a huge page
 * costs no memory a 4 KiB page would not, and it takes one page fault
 * instead of 512. Settle puts back the region's "4 KiB pages" advice once
 * the range is in (the huge pages stay), so that later faults of the rank
 * get 4 KiB pages, a sparse touch never makes 2 MiB resident (and sent by
 * the next move), and the kernel can merge the region's mappings again.
 * Prepare does nothing unless NMPI_HEAP_HUGEPAGES=1 (ua_touched.c says
 * why). Hints only: they return nothing and change no byte. */
void ua_range_prepare(void *addr, size_t len);
void ua_range_settle(void *addr, size_t len);

/* Source side after a move: ua_container_present() becomes 0. The stack and
 * heap pages are kept (unless NMPI_MIGRATE_KEEP_PAGES=0) so that a container
 * arriving later reuses them without page faults; until ua_arrival_trim()
 * they hold the old bytes. Everything else of the region is dropped. */
void ua_release_container(void);

/* Source side of a post-copy move, kernel context: from ua_release_hold()
 * the stack and heap pages are kept by ua_release_container() even with
 * NMPI_MIGRATE_KEEP_PAGES=0 (the destination still pulls them);
 * ua_release_unhold() ends that and drops them if the setting says so. */
void ua_release_hold(void);
void ua_release_unhold(void);

/* Destination side, once the table of an arriving container is checked and
 * before its n ranges r (whole pages, as ua_touched_ranges() lists them) are
 * written: drops every kept page those ranges do not cover, so the
 * container reads zeros wherever its source had no page. Returns 0, or
 * -ENOMEM after dropping every kept page instead (correct, only slower). */
int ua_arrival_trim(const struct ua_range *r, int n);

/* A fast 64-bit checksum of len bytes at p (XXH3 64-bit, seed 0). Used to
 * verify transfers; the same bytes give the same value in every process. */
uint64_t ua_checksum_range(const void *p, size_t len);

#endif /* UA_H */
