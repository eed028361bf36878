/* ua_code.c: where the application's own machine code lies.
 *
 * The span of the main executable's executable PT_LOAD segments, from its
 * program headers (the first object dl_iterate_phdr reports). A rank
 * interrupted with its program counter in there runs none of the runtime's
 * or libc's code, so no lock or half-made update of theirs can be on its
 * stack (rank-migrate's preemption relies on that). dl_iterate_phdr takes
 * the loader's lock, so callers ask once, outside any signal handler.
 */
#include <errno.h>
#include <link.h>

#include "ua_internal.h"

struct ua_code_span {
    int found;
    uintptr_t lo, hi;
};

static int ua_code_phdrs(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct ua_code_span *c = arg;

    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;

        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        if (!c->found || a < c->lo)
            c->lo = a;
        if (!c->found || a + ph->p_memsz > c->hi)
            c->hi = a + ph->p_memsz;
        c->found = 1;
    }
    return 1; /* the first object reported is the executable */
}

int ua_program_code(uintptr_t *lo, uintptr_t *hi)
{
    struct ua_code_span c = {0};

    dl_iterate_phdr(ua_code_phdrs, &c);
    if (!c.found)
        return -ENOENT;
    *lo = c.lo;
    *hi = c.hi;
    return 0;
}
