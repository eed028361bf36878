/* rmig_dirty.h: which pages of a running container were written since the
 * last look (private to rank-migrate; groundwork of pre-copy, issue 15).
 *
 * Pre-copy sends the container while the rank runs, then sends again what
 * the rank wrote meanwhile. A tracking session watches a set of address
 * ranges (the container's extents, see below) and, at each collect, hands
 * the runs of pages written since the previous collect to a callback and
 * re-arms them. Three backends sit behind one ops table; rmig_dirty_pick()
 * prefers them in this order, and pre-copy should use the first: on the
 * project's machine (bench/dirty.txt) it collects 1 GiB with 1% written
 * in 1.5 to 10 ms (by load) and costs a writer 1.5-3.5 us per page and round; the
 * handler thread of the second costs it 10-27 us, a collect 28-38 ms:
 *
 * - "uffd-async": userfaultfd write-protect with UFFD_FEATURE_WP_ASYNC
 *   (Linux 6.7+): the kernel itself lifts the protection on the first write
 *   and notes it in the page table; collect is PAGEMAP_SCAN with
 *   PM_SCAN_WP_MATCHING, which reports and re-protects each written page
 *   under its page-table lock. No thread, no signal, writes from system
 *   calls and from other processes (CMA) are caught like the rank's own,
 *   with one exception for every backend: a kernel copy from another
 *   process pins the pages (the fault) before it writes them, so a collect
 *   between the two loses the write; its receiver calls
 *   rmig_transfer_landed (rmig.h) once the copy has ended.
 * - "uffd-sync": classic userfaultfd write-protect: a handler thread takes
 *   each first write's fault and lifts the protection (the writer waits for
 *   it: a few microseconds, more on a busy node); collect reads the uffd-wp
 *   bit (57) of /proc/self/pagemap. It needs kernel-mode faults (privileged,
 *   or vm.unprivileged_userfaultfd=1): with UFFD_USER_MODE_ONLY a system
 *   call writing into a protected page fails with EFAULT, so it refuses
 *   that. It cannot register file mappings (.data).
 * - "soft-dirty": /proc/self/clear_refs ("4") and bit 55 of pagemap. Needs
 *   CONFIG_MEM_SOFT_DIRTY; clear_refs acts on the whole process; and reading
 *   the bits then clearing them is two steps, so a write between them is
 *   lost: its collect is only exact with the writers stopped (needs_pause).
 *
 * Why no write is lost (both uffd backends): every page of a tracked range
 * is, at any time, either protected or going to be reported by the next
 * collect. A write to a protected page unprotects it (kernel or handler)
 * before it lands. Collect reports a page and re-protects it in one step
 * (async: under the page-table lock; sync: a page seen unprotected is
 * reported, then protected); the caller reads the reported pages only
 * after collect returns, so a write that landed before the re-protection
 * is in what the caller reads, and one after it faults and shows up next
 * time. A page given back to the kernel (MADV_DONTNEED, which the
 * container allocator does on large free runs) loses its protection and
 * reads as zeros: it is reported like a written page, never skipped. It is
 * not flagged "zeros, needn't read": it may be written again between the
 * look and the re-protection (no fault: an empty entry lost its marker),
 * and then only reading it gives the right bytes (the hammer test caught
 * exactly that).
 *
 * What to track: the container's extents, not ua_touched_ranges()' runs:
 * the uarea header, the rank stack (UA_STACK_SIZE above the guard), the heap
 * from its base to its top, the globals (ua_globals_ranges). A page
 * untouched at start lies in a gap between touched runs; written later, it
 * must still be seen. Tracking costs page tables over the extents (markers
 * on empty entries: 2 MiB of them per 1 GiB tracked), so never the whole
 * 64 GiB reserved region.
 *
 * What a session does not see: pages written before rmig_dirty_start (the
 * first round sends every touched page anyway) and pages of a range added
 * later (rmig_dirty_add: the caller sends it whole, like round one). The
 * allocator's heap top moving up is such an addition. A tracked range that
 * is unmapped, or unmapped and mapped again, makes collect fail (-ENOMEM,
 * -EPERM, -ENOENT): tracking is then broken and the move must fall back to
 * stop-and-copy; it never reports "nothing written" instead.
 *
 * Globals: .data is a private file mapping. Only uffd-async may register
 * it (Linux 6.7 lets WP_ASYNC take any memory); uffd-sync refuses such a
 * range at start with -EINVAL (anonymous memory, .bss past the file, is
 * fine for both).
 *
 * Transparent huge pages: a protected 2 MiB page is split at its first
 * write, so reports stay per 4 KiB page (test_thp checks it, both uffd
 * backends). The container region asks for 4 KiB pages anyway
 * (ua_region.c), and the other unit tests' mappings too, so that their
 * exact page sets never depend on the kernel's THP setting.
 */
#ifndef RMIG_DIRTY_H
#define RMIG_DIRTY_H

#include <stddef.h>
#include <stdint.h>

enum rmig_dirty_kind {
    RMIG_DIRTY_UFFD_ASYNC, /* write-protect, kernel-resolved, PAGEMAP_SCAN */
    RMIG_DIRTY_UFFD_SYNC,  /* write-protect, handler thread, pagemap bit 57 */
    RMIG_DIRTY_SOFT,       /* clear_refs + pagemap bit 55 */
    RMIG_DIRTY_KINDS
};

struct rmig_dirty_range {
    uintptr_t addr; /* page aligned */
    size_t len;     /* page multiple, > 0 */
};

/* Called once per run of written pages, in address order within a range
 * and pass (uffd-async reports written runs, then emptied ones).
 * It cannot refuse a run: the run is re-armed already (a caller that cannot
 * keep it must give up pre-copy for this move). */
typedef void (*rmig_dirty_cb)(uintptr_t addr, size_t len, void *arg);

/* One tracking session, in runtime memory. One thread drives it (start,
 * add, collect, stop); the tracked memory may be written by any thread or
 * process meanwhile. */
struct rmig_dirty;

/* Counters of a session, for reports and the benchmark. */
struct rmig_dirty_stats {
    uint64_t collects;
    uint64_t pages_reported;
    uint64_t faults; /* uffd-sync: faults resolved by the handler thread */
};

/* "uffd-async", "uffd-sync", "soft-dirty"; NULL for a bad kind. */
const char *rmig_dirty_name(enum rmig_dirty_kind kind);

/* Whether `kind` works in this process, found by tracking a probe page
 * (written, collected, written again). Returns 0 when it does, or a
 * negative errno (-ENOTSUP the kernel lacks it, -EPERM not allowed here,
 * -EINVAL bad kind) with the reason in why (may be NULL). */
int rmig_dirty_probe(enum rmig_dirty_kind kind, char *why, size_t why_len);

/* The preferred kind that works here (async, then sync, then soft-dirty).
 * Returns it, or -ENOTSUP with every backend's reason in why. */
int rmig_dirty_pick(char *why, size_t why_len);

/* Starts tracking the n ranges r (at most 64, disjoint, mapped, private
 * anonymous); every page of them counts as clean from now on. The backend
 * is probed first (rmig_dirty_probe), so a session never starts blind.
 * Sets *tp and returns 0, or returns a negative errno (-ENOTSUP backend
 * unavailable, -EPERM not allowed,
 * -EINVAL bad ranges, -ENOMEM...) and tracks nothing. */
int rmig_dirty_start(enum rmig_dirty_kind kind, const struct rmig_dirty_range *r, int n,
                     struct rmig_dirty **tp);

/* Adds one range (disjoint from the tracked ones) from now on; what it
 * held before is the caller's to send. Returns 0, or -EINVAL (bad or
 * overlapping range), -ENOSPC (64 ranges already), or the backend's
 * -errno (range not mapped...), the range then not tracked. */
int rmig_dirty_add(struct rmig_dirty *t, const struct rmig_dirty_range *r);

/* Reports the runs written since the previous collect (or start) and
 * re-arms them, as the header comment explains. Returns the number of
 * pages reported (>= 0), or a negative errno when tracking broke (a range unmapped: -ENOMEM;
 * remapped: -EPERM or -ENOENT). */
long rmig_dirty_collect(struct rmig_dirty *t, rmig_dirty_cb cb, void *arg);

/* 1 when collect is exact only with every writer stopped (soft-dirty). */
int rmig_dirty_needs_pause(const struct rmig_dirty *t);

void rmig_dirty_stats(const struct rmig_dirty *t, struct rmig_dirty_stats *s);

/* Ends the session: protections lifted, ranges unregistered, thread
 * joined. t may be NULL. */
void rmig_dirty_stop(struct rmig_dirty *t);

#endif /* RMIG_DIRTY_H */
