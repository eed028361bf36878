/* ua_fingerprint.c: the layout fingerprint compared before any migration.
 *
 * A container only makes sense in a process whose code and data sit at the
 * same addresses as where it came from. The fingerprint hashes what decides
 * that: for every object dl_iterate_phdr reports (the executable, each shared
 * library, the vDSO) its name (for the executable, the path of
 * /proc/self/exe), load address, every PT_LOAD segment's address, size and
 * flags, and its GNU build id when it has one (so a rebuilt library at the
 * same path differs); then the container base, size and layout version, and
 * the main thread's thread pointer (the rank always runs on the main thread,
 * and its frames may hold addresses of thread-local data such as errno). A
 * process that could not turn ASLR off mixes in its pid and a stack address,
 * so its fingerprint matches no other process.
 */
#include <elf.h>
#include <link.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ua_internal.h"

uintptr_t ua_main_thread_pointer; /* set at start-up, on the main thread */

static uint64_t ua_mix(uint64_t h, const void *p, size_t len)
{
    return (h ^ ua_checksum_range(p, len)) * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
}

static uint64_t ua_mix_u64(uint64_t h, uint64_t v)
{
    return ua_mix(h, &v, sizeof(v));
}

/* Mixes the GNU build id found in a PT_NOTE segment, if any. */
static uint64_t ua_mix_build_id(uint64_t h, uintptr_t base, const Elf64_Phdr *ph)
{
    const unsigned char *p = (const unsigned char *)(base + ph->p_vaddr);
    const unsigned char *end = p + ph->p_memsz;
    while (end - p >= (long)sizeof(Elf64_Nhdr)) {
        const Elf64_Nhdr *n = (const Elf64_Nhdr *)p;
        size_t name = (n->n_namesz + 3) & ~3UL, desc = (n->n_descsz + 3) & ~3UL;
        const unsigned char *d = p + sizeof(*n) + name;
        if (d + desc > end)
            break;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(p + sizeof(*n), "GNU", 4))
            return ua_mix(h, d, n->n_descsz);
        p = d + desc;
    }
    return h;
}

static int ua_fingerprint_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    uint64_t *h = arg;
    char exe[4096];
    const char *name = info->dlpi_name;
    if (!name || !name[0]) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = '\0';
        name = exe;
    }
    *h = ua_mix(*h, name, strlen(name));
    *h = ua_mix_u64(*h, info->dlpi_addr);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const Elf64_Phdr *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD) {
            *h = ua_mix_u64(*h, ph->p_vaddr);
            *h = ua_mix_u64(*h, ph->p_memsz);
            *h = ua_mix_u64(*h, ph->p_flags);
        } else if (ph->p_type == PT_NOTE) {
            *h = ua_mix_build_id(*h, info->dlpi_addr, ph);
        }
    }
    return 0;
}

uint64_t ua_layout_fingerprint(void)
{
    uint64_t h = 0x6e6d7069666e6731ULL;
    dl_iterate_phdr(ua_fingerprint_object, &h);
    h = ua_mix_u64(h, UA_REGION_BASE);
    h = ua_mix_u64(h, UA_REGION_SIZE);
    h = ua_mix_u64(h, UA_LAYOUT_VERSION);
    h = ua_mix_u64(h, ua_main_thread_pointer);
    if (!ua_layout_migratable()) {
        static uint64_t salt; /* once per process: stable here, unique elsewhere */
        if (!salt) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            salt = ((uint64_t)getpid() << 32 ^ (uintptr_t)&ts ^ (uint64_t)ts.tv_nsec) | 1;
        }
        h = ua_mix_u64(h, salt);
    }
    return h;
}
