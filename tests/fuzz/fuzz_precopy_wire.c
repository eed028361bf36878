/* fuzz_precopy_wire.c: libFuzzer target for the checks of a pre-copy move's
 * layout and closing blocks (rank-migrate/rmig_precopy_wire.c), which the
 * destination reads from the source before it trusts anything in them.
 *
 * Input: a flag byte, a count byte for each of next and nallow (layout) or
 * nstop and npages (closing block), then the block as received. Flag bit 0
 * picks the closing block; bit 1 puts the right checksum in, so that inputs
 * reach the range checks. The layout accepts ranges inside one 1 GiB
 * window. Whatever a check accepts must really be sound: the exact length,
 * extents page aligned, ascending and apart inside the window, every
 * allowed range non-empty inside one extent, ascending and apart.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_precopy_wire.h"
#include "rmig_wire.h"
#include "ua.h"

#define WINDOW_LO 0x10000ULL
#define WINDOW_HI (WINDOW_LO + (1ULL << 30))
#define JOB       0x1234abcdULL

static int window_ok(const void *addr, size_t len)
{
    uint64_t a = (uint64_t)(uintptr_t)addr;

    return a >= WINDOW_LO && len <= WINDOW_HI - a ? 0 : -1;
}

static void layout_sound(const struct rmig_dirty_range *ext, int next,
                         const struct rmig_dirty_range *allow, int nallow)
{
    for (int i = 0; i < next; i++) {
        if (ext[i].addr % RMIG_PC_PAGE || ext[i].len % RMIG_PC_PAGE || ext[i].len == 0 ||
            (i > 0 && ext[i].addr < ext[i - 1].addr + ext[i - 1].len))
            abort();
    }
    for (int i = 0, e = 0; i < nallow; i++) {
        if (allow[i].len == 0 || allow[i].addr < WINDOW_LO ||
            allow[i].len > WINDOW_HI - allow[i].addr ||
            (i > 0 && allow[i].addr < allow[i - 1].addr + allow[i - 1].len))
            abort();
        while (e < next && ext[e].addr + ext[e].len <= allow[i].addr)
            e++;
        if (e == next || allow[i].addr < ext[e].addr ||
            allow[i].addr + allow[i].len > ext[e].addr + ext[e].len)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_dirty_range ext[RMIG_PC_EXTENTS_MAX], allow[RMIG_PC_ALLOW_MAX];
    uint8_t *buf;
    size_t len;

    if (size < 3)
        return 0;
    len = size - 3;
    buf = malloc(len ? len : 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 3, len);
    if (data[0] & 1) {
        uint32_t nstop = data[1];
        uint64_t npages = data[2];
        const uint64_t *sums;

        if ((data[0] & 2) && len >= sizeof(struct rmig_wire_pc_close)) {
            struct rmig_wire_pc_close h;

            memcpy(&h, buf, sizeof(h));
            h.sum = ua_checksum_range(buf + sizeof(h), len - sizeof(h));
            memcpy(buf, &h, sizeof(h));
        }
        sums = rmig_pc_close_check(buf, len, JOB, 1, nstop, npages, ua_checksum_range);
        if (sums != NULL && (len != rmig_pc_close_size(nstop, npages) ||
                             (const uint8_t *)sums != buf + sizeof(struct rmig_wire_pc_close)))
            abort();
    } else {
        int next = data[1] % 70, nallow = data[2];

        if ((data[0] & 2) && len >= sizeof(struct rmig_wire_pc_layout)) {
            struct rmig_wire_pc_layout h;

            memcpy(&h, buf, sizeof(h));
            h.sum = ua_checksum_range(buf + sizeof(h), len - sizeof(h));
            memcpy(buf, &h, sizeof(h));
        }
        if (rmig_pc_layout_check(buf, len, JOB, 1, next, nallow, ua_checksum_range, window_ok, ext,
                                 allow) == 0) {
            if (len != rmig_pc_layout_size(next, nallow))
                abort();
            layout_sound(ext, next, allow, nallow);
        }
    }
    free(buf);
    return 0;
}

/* Well-formed blocks: layouts of 1 to 4 extents, each allowed whole or in
 * two pieces; closing blocks of a few sums. */
size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    if (k % 2 == 0) {
        int next = 1 + (int)(k / 2 % 4), nallow = 0;
        struct rmig_wire_pc_layout h = {
            RMIG_PC_LAYOUT_MAGIC, RMIG_WIRE_VERSION, (uint16_t)next, JOB, 1, 0, 0};
        struct rmig_wire_run r[12];
        uint64_t addr = WINDOW_LO + 4096ULL * k;
        size_t len;

        for (int i = 0; i < next; i++, addr += 3 * 4096)
            r[i] = (struct rmig_wire_run){addr, 2 * 4096};
        for (int i = 0; i < next; i++) {
            if (i % 2) {
                r[next + nallow++] = (struct rmig_wire_run){r[i].addr + 8, 100};
                r[next + nallow++] = (struct rmig_wire_run){r[i].addr + 4096, 4096};
            } else {
                r[next + nallow++] = r[i];
            }
        }
        h.nallow = (uint32_t)nallow;
        len = 3 + sizeof(h) + (size_t)(next + nallow) * sizeof(r[0]);
        if (max < len)
            return 0;
        h.sum = ua_checksum_range(r, (size_t)(next + nallow) * sizeof(r[0]));
        buf[0] = 0;
        buf[1] = (uint8_t)next;
        buf[2] = (uint8_t)nallow;
        memcpy(buf + 3, &h, sizeof(h));
        memcpy(buf + 3 + sizeof(h), r, (size_t)(next + nallow) * sizeof(r[0]));
        return len;
    } else {
        uint32_t nstop = k % 5;
        uint64_t npages = 1 + k % 7, s[16];
        struct rmig_wire_pc_close h = {
            RMIG_PC_CLOSE_MAGIC, RMIG_WIRE_VERSION, 0, JOB, 1, nstop, npages, 0};
        size_t n = nstop + npages, len = 3 + sizeof(h) + n * sizeof(s[0]);

        if (max < len)
            return 0;
        for (size_t i = 0; i < n; i++)
            s[i] = i * 0x9E3779B97F4A7C15ULL;
        h.sum = ua_checksum_range(s, n * sizeof(s[0]));
        buf[0] = 1;
        buf[1] = (uint8_t)nstop;
        buf[2] = (uint8_t)npages;
        memcpy(buf + 3, &h, sizeof(h));
        memcpy(buf + 3 + sizeof(h), s, n * sizeof(s[0]));
        return len;
    }
}
