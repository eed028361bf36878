/* fuzz_rmig_table.c: libFuzzer target for the container-stream table check.
 *
 * Input: a flag byte, the announced total (8 bytes), the announced table
 * checksum (8 bytes), then the table as received. Flag bit 0 replaces the
 * checksum with the right one and bit 1 the total with the entries' sum, so
 * that inputs get past those checks and reach the range checks; bit 2 makes
 * the BEGIN announce one entry more than was received. The layout accepts
 * ranges inside one 1 GiB window. Whatever the check accepts must really be
 * sound: exact length, non-empty ranges inside the window, the right sum,
 * and (for small tables, checked pairwise here) no overlap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_wire.h"
#include "ua.h"

#define WINDOW_LO 0x10000ULL
#define WINDOW_HI (WINDOW_LO + (1ULL << 30))

static int window_ok(const void *addr, size_t len)
{
    uint64_t a = (uint64_t)(uintptr_t)addr;

    return a >= WINDOW_LO && len <= WINDOW_HI - a ? 0 : -1;
}

static uint64_t read_u64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_wire_hdr b = {0};
    struct rmig_wire_range *r;
    size_t received, i, j;
    uint64_t sum = 0;
    int n, ret;

    if (size < 17)
        return 0;
    received = size - 17;
    n = (int)(received / sizeof(*r)) + ((data[0] >> 2) & 1);
    n = n < 1 ? 1 : n;
    r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return 0;
    memcpy(r, data + 17, received < (size_t)n * sizeof(*r) ? received : (size_t)n * sizeof(*r));
    b.arg = n;
    b.a = read_u64(data + 1);
    b.b = read_u64(data + 9);
    for (i = 0; i < (size_t)n; i++)
        sum += r[i].len;
    if (data[0] & 1)
        b.b = ua_checksum_range(r, (size_t)n * sizeof(*r));
    if (data[0] & 2)
        b.a = sum;
    ret = rmig_table_check(r, received, &b, window_ok);
    if (ret == 0) {
        if (received != (size_t)n * sizeof(*r) || sum != b.a)
            abort();
        for (i = 0; i < (size_t)n; i++) {
            if (r[i].len == 0 || r[i].addr < WINDOW_LO || r[i].len > WINDOW_HI - r[i].addr)
                abort();
            for (j = 0; n <= 64 && j < i; j++)
                if (r[i].addr < r[j].addr + r[j].len && r[j].addr < r[i].addr + r[i].len)
                    abort();
        }
    }
    free(r);
    return 0;
}

/* Well-formed tables of 1 to 8 ranges, some touching, in shuffled order. */
size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_wire_range r[8];
    int n = 1 + (int)(k % 8), i;
    uint64_t addr = WINDOW_LO + 4096ULL * k;
    size_t len = 17 + (size_t)n * sizeof(r[0]);

    if (max < len)
        return 0;
    for (i = 0; i < n; i++) {
        r[i] = (struct rmig_wire_range){addr, 4096ULL << (i % 3), 0};
        addr += r[i].len + (i % 2 ? 0 : 4096);
    }
    if (n > 2) { /* not in address order: the check must not rely on it */
        struct rmig_wire_range t = r[0];
        r[0] = r[n - 1];
        r[n - 1] = t;
    }
    memset(buf, 0, 17);
    buf[0] = 3;
    memcpy(buf + 17, r, (size_t)n * sizeof(r[0]));
    return len;
}
