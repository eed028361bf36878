/* ua_checksum.c: the 64-bit checksum that verifies container transfers.
 *
 * The XXH64 algorithm (Yann Collet's xxHash, seed 0), written out here: four
 * independent multiply-rotate lanes over 32-byte stripes, then the tail and a
 * final avalanche. It runs at memory speed, far faster than byte-wise FNV-1a,
 * so checking a transfer costs little next to copying it. Unaligned input is
 * read with memcpy, so any address works; the result does not depend on the
 * process or the alignment.
 */
#include <string.h>

#include "ua_internal.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static uint64_t ua_rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t ua_read64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t ua_round(uint64_t acc, uint64_t input)
{
    acc += input * P2;
    return ua_rotl(acc, 31) * P1;
}

static uint64_t ua_merge(uint64_t h, uint64_t v)
{
    h ^= ua_round(0, v);
    return h * P1 + P4;
}

/* The 32-byte stripes; *pp is advanced past them. */
static uint64_t ua_stripes(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1;
    for (; end - p >= 32; p += 32) {
        v1 = ua_round(v1, ua_read64(p));
        v2 = ua_round(v2, ua_read64(p + 8));
        v3 = ua_round(v3, ua_read64(p + 16));
        v4 = ua_round(v4, ua_read64(p + 24));
    }
    *pp = p;
    uint64_t h = ua_rotl(v1, 1) + ua_rotl(v2, 7) + ua_rotl(v3, 12) + ua_rotl(v4, 18);
    h = ua_merge(h, v1);
    h = ua_merge(h, v2);
    h = ua_merge(h, v3);
    return ua_merge(h, v4);
}

uint64_t ua_checksum_range(const void *data, size_t len)
{
    const unsigned char *p = data, *end = p + len;
    uint64_t h = len >= 32 ? ua_stripes(&p, end) : P5;
    h += len;
    for (; end - p >= 8; p += 8)
        h = ua_rotl(h ^ ua_round(0, ua_read64(p)), 27) * P1 + P4;
    if (end - p >= 4) {
        uint32_t w;
        memcpy(&w, p, sizeof(w));
        h = ua_rotl(h ^ (uint64_t)w * P1, 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; p++)
        h = ua_rotl(h ^ *p * P5, 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}
