/* ua_globals.c: the application's globals that travel with the rank.
 *
 * The executable's writable PT_LOAD segment holds .data and .bss (between the
 * linker's __data_start/_edata/__bss_start/_end), but also parts that belong
 * to the cluster: the RELRO part (.init_array, .data.rel.ro, .dynamic, .got,
 * made read-only after relocation), the lazy-binding .got.plt (slot 1 and 2
 * point at ld.so's per-process state), and the objects that copy relocations
 * (R_X86_64_COPY) moved there from shared libraries, such as stdout, stderr,
 * environ or optarg, which libc of *this* process uses. The linker symbols
 * cannot be trusted through dlsym (an executable rarely exports them, and the
 * lookup would then find a library's _end), so the span is taken from the
 * segment headers and the exclusions from the executable's dynamic section,
 * parsed in memory (ld.so has mapped and relocated it already; libelf would
 * need to reopen and parse the file for the same facts). The result is
 * computed once per process: the executable's layout never changes.
 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ua_internal.h"

#define UA_MAX_HOLES (UA_GLOBALS_MAX - 1)

/* What the executable's headers say. */
struct ua_exe_info {
    int found;
    uintptr_t base;             /* load bias */
    uintptr_t rw_start, rw_end; /* writable PT_LOAD */
    uintptr_t relro_end;        /* end of PT_GNU_RELRO (0 if none) */
    const Elf64_Dyn *dynamic;
};

static int ua_exe_phdrs(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct ua_exe_info *x = arg;
    x->found = 1; /* the first object reported is the executable */
    x->base = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const Elf64_Phdr *ph = &info->dlpi_phdr[i];
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && !x->rw_start) {
            x->rw_start = a;
            x->rw_end = a + ph->p_memsz;
        } else if (ph->p_type == PT_GNU_RELRO) {
            x->relro_end = a + ph->p_memsz;
        } else if (ph->p_type == PT_DYNAMIC) {
            x->dynamic = (const Elf64_Dyn *)a;
        }
    }
    return 1; /* stop after the executable */
}

/* ld.so relocates d_ptr entries in place on x86-64; accept both forms. */
static uintptr_t ua_dyn_ptr(uintptr_t base, uintptr_t v)
{
    return v < base ? base + v : v;
}

/* Collects the holes: .got.plt and every COPY-relocated object. */
static int ua_exe_holes(const struct ua_exe_info *x, struct ua_range *holes, int max)
{
    uintptr_t rela = 0, pltgot = 0, symtab = 0;
    size_t relasz = 0, relaent = sizeof(Elf64_Rela), pltrelsz = 0;
    int n = 0;
    for (const Elf64_Dyn *d = x->dynamic; d && d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_RELA:
            rela = ua_dyn_ptr(x->base, d->d_un.d_ptr);
            break;
        case DT_RELASZ:
            relasz = d->d_un.d_val;
            break;
        case DT_RELAENT:
            relaent = d->d_un.d_val;
            break;
        case DT_SYMTAB:
            symtab = ua_dyn_ptr(x->base, d->d_un.d_ptr);
            break;
        case DT_PLTGOT:
            pltgot = ua_dyn_ptr(x->base, d->d_un.d_ptr);
            break;
        case DT_PLTRELSZ:
            pltrelsz = d->d_un.d_val;
            break;
        }
    }
    if (pltgot && n < max)
        holes[n++] =
            (struct ua_range){(void *)pltgot, (3 + pltrelsz / sizeof(Elf64_Rela)) * sizeof(void *)};
    for (size_t off = 0; rela && symtab && relaent && off + relaent <= relasz; off += relaent) {
        const Elf64_Rela *r = (const Elf64_Rela *)(rela + off);
        if (ELF64_R_TYPE(r->r_info) != R_X86_64_COPY)
            continue;
        const Elf64_Sym *s = (const Elf64_Sym *)symtab + ELF64_R_SYM(r->r_info);
        if (n == max)
            return -E2BIG;
        holes[n++] = (struct ua_range){(void *)(x->base + r->r_offset), s->st_size};
    }
    return n;
}

static int ua_range_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct ua_range *)a)->addr;
    uintptr_t y = (uintptr_t)((const struct ua_range *)b)->addr;
    return x < y ? -1 : x > y;
}

/* Appends [start, end) to out if non-empty; counts it even past max. */
static void ua_range_put(struct ua_range *out, int max, int *n, uintptr_t start, uintptr_t end)
{
    if (end <= start)
        return;
    if (*n < max)
        out[*n] = (struct ua_range){(void *)start, end - start};
    (*n)++;
}

/* Computes the ranges into out[0..max-1]; returns their number or -errno. */
static int ua_globals_compute(struct ua_range *out, int max)
{
    struct ua_exe_info x = {0};
    struct ua_range holes[UA_MAX_HOLES];
    dl_iterate_phdr(ua_exe_phdrs, &x);
    if (!x.found || !x.rw_start)
        return -ENOENT;
    int nholes = ua_exe_holes(&x, holes, UA_MAX_HOLES);
    if (nholes < 0)
        return nholes;
    qsort(holes, nholes, sizeof(holes[0]), ua_range_cmp);
    uintptr_t cur = x.relro_end > x.rw_start ? x.relro_end : x.rw_start;
    int n = 0;
    for (int i = 0; i < nholes; i++) {
        uintptr_t hs = (uintptr_t)holes[i].addr, he = hs + holes[i].len;
        ua_range_put(out, max, &n, cur, hs < x.rw_end ? hs : x.rw_end);
        if (he > cur)
            cur = he;
    }
    ua_range_put(out, max, &n, cur, x.rw_end);
    return n <= max ? n : -E2BIG;
}

/* The executable never changes: compute once, per process. */
static struct ua_range ua_globals[UA_GLOBALS_MAX];
static int ua_nglobals;
static pthread_once_t ua_globals_once = PTHREAD_ONCE_INIT;

static void ua_globals_init(void)
{
    ua_nglobals = ua_globals_compute(ua_globals, UA_GLOBALS_MAX);
}

const struct ua_range *ua_globals_cached(int *n_p)
{
    pthread_once(&ua_globals_once, ua_globals_init);
    *n_p = ua_nglobals;
    return ua_globals;
}

int ua_globals_ranges(struct ua_range *out, int max)
{
    pthread_once(&ua_globals_once, ua_globals_init);
    for (int i = 0; i < ua_nglobals && i < max; i++)
        out[i] = ua_globals[i];
    return ua_nglobals;
}

int ua_globals_contain(uintptr_t addr, size_t len)
{
    pthread_once(&ua_globals_once, ua_globals_init);
    for (int i = 0; i < ua_nglobals; i++) {
        const struct ua_range *r = &ua_globals[i];
        if (addr >= (uintptr_t)r->addr && len <= r->len &&
            addr - (uintptr_t)r->addr <= r->len - len)
            return 1;
    }
    return 0;
}
