/* fuzz_ckpt_image.c: libFuzzer target for the checkpoint decoders.
 *
 * Input: a kind byte, then the bytes. Kind bit 0 clear: a manifest
 * (rmig_ckpt_manifest_parse); whatever it accepts must be exactly what the
 * writer makes of the parsed result (rmig_ckpt_manifest_format), so no
 * second spelling of a manifest exists. Kind bit 0 set: an image's start,
 * a header then its table (rmig_ckpt_hdr_check, rmig_ckpt_table_check);
 * bit 1 reseals the header checksum and bit 2 makes the file length and
 * table checksum agree with the counts, so that inputs get past those
 * checks and reach the deeper ones. Whatever is accepted must be sound:
 * counts in bounds, the file length the counts give, the table exactly
 * the announced entries inside a 1 GiB window with the announced total.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_ckpt_image.h"
#include "ua.h"

#define WINDOW_LO 0x10000ULL
#define WINDOW_HI (WINDOW_LO + (1ULL << 30))

static int window_ok(const void *addr, size_t len)
{
    uint64_t a = (uint64_t)(uintptr_t)addr;

    return a >= WINDOW_LO && len <= WINDOW_HI - a ? 0 : -1;
}

static void fuzz_manifest(const uint8_t *data, size_t size)
{
    static struct rmig_ckpt_manifest m;
    static char again[RMIG_CKPT_MANIFEST_MAX];

    if (rmig_ckpt_manifest_parse((const char *)data, size, &m) != 0)
        return;
    int n = rmig_ckpt_manifest_format(&m, again, sizeof(again));
    if (m.nranks < 1 || m.nranks > RMIG_CKPT_MAX_RANKS || n < 0 || (size_t)n != size ||
        memcmp(again, data, size) != 0)
        abort();
}

static void fuzz_image(uint8_t kind, const uint8_t *data, size_t size)
{
    struct rmig_ckpt_hdr raw, h;
    size_t tlen;

    if (size < sizeof(raw))
        return;
    memcpy(&raw, data, sizeof(raw));
    tlen = size - sizeof(raw);
    if (kind & 4) {
        raw.table_checksum = ua_checksum_range(data + sizeof(raw), tlen);
        if (raw.nranges > 0 && raw.nranges <= RMIG_MAX_RANGES)
            raw.file_bytes = rmig_ckpt_file_bytes(raw.nranges, raw.bytes);
    }
    if (kind & 2)
        rmig_ckpt_hdr_seal(&raw);
    if (rmig_ckpt_hdr_check(&raw, sizeof(raw), raw.file_bytes, &h) != 0)
        return;
    if (h.rank < 0 || h.rank >= h.nranks || h.nranges < 1 || h.nranges > RMIG_MAX_RANGES ||
        h.file_bytes != rmig_ckpt_file_bytes(h.nranges, h.bytes))
        abort();
    struct rmig_wire_range *t = malloc(tlen + 1);
    if (t == NULL)
        return;
    memcpy(t, data + sizeof(raw), tlen);
    if (rmig_ckpt_table_check(&h, t, tlen, window_ok) == 0) {
        uint64_t sum = 0;

        if (tlen != (size_t)h.nranges * sizeof(*t))
            abort();
        for (int i = 0; i < h.nranges; i++) {
            if (t[i].len == 0 || window_ok((void *)(uintptr_t)t[i].addr, t[i].len) != 0)
                abort();
            sum += t[i].len;
        }
        if (sum != h.bytes)
            abort();
    }
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_image(data[0], data + 1, size - 1);
    else
        fuzz_manifest(data + 1, size - 1);
    return 0;
}

/* Well-formed inputs: manifests of 1 to 8 ranks; images of 1 to 8 ranges. */
size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    if (k % 2 == 0) {
        static struct rmig_ckpt_manifest m;
        m.nranks = 1 + (int)(k / 2 % 8);
        m.fingerprint = 0x1234567890abcdefULL * (k + 1);
        m.canary = 0xa5a5a5a5a5a5a500ULL;
        for (int r = 0; r < m.nranks; r++)
            m.rank[r] = (struct rmig_ckpt_entry){0x1111111111111111ULL * (uint64_t)r,
                                                 4096ULL * (uint64_t)(r + k)};
        int n = max > 1 ? rmig_ckpt_manifest_format(&m, (char *)buf + 1, max - 1) : -1;
        buf[0] = 0;
        return n < 0 ? 0 : (size_t)n + 1;
    }
    struct rmig_ckpt_hdr h = {0};
    struct rmig_wire_range r[8];
    int n = 1 + (int)(k / 2 % 8);
    size_t len = 1 + sizeof(h) + (size_t)n * sizeof(r[0]);
    uint64_t addr = WINDOW_LO + 8192ULL * k;

    if (max < len)
        return 0;
    for (int i = 0; i < n; i++) {
        r[i] = (struct rmig_wire_range){addr, 4096ULL << (i % 3), 0};
        h.bytes += r[i].len;
        addr += r[i].len + (i % 2 ? 0 : 4096);
    }
    h.magic = RMIG_CKPT_MAGIC;
    h.version = RMIG_CKPT_VERSION;
    h.hdr_size = sizeof(h);
    h.ua_version = UA_LAYOUT_VERSION;
    h.nranks = 4;
    h.rank = (int)(k % 4);
    h.nranges = n;
    h.table_checksum = ua_checksum_range(r, (size_t)n * sizeof(r[0]));
    h.file_bytes = rmig_ckpt_file_bytes(n, h.bytes);
    rmig_ckpt_hdr_seal(&h);
    buf[0] = (uint8_t)(1 | (k & 6)); /* some seeds let the target reseal, some not */
    memcpy(buf + 1, &h, sizeof(h));
    memcpy(buf + 1 + sizeof(h), r, (size_t)n * sizeof(r[0]));
    return len;
}
