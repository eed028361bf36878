/* testhelp.c: checksums, deterministic payload patterns and a stderr catcher for tests.
 *
 * The pattern of a message is a splitmix64 stream whose seed mixes the key
 * (src, dst, size, iteration); byte i of the payload is byte (i % 8) of the
 * (i / 8)-th word of the stream, little-endian, so fill, verify and checksum
 * agree without sharing state and can run on different processes. The
 * stderr catcher swaps file descriptor 2 for a tmpfile() around the call
 * (stderr flushed on both sides), so it also catches what a library writes
 * with write(2), and reads the file back.
 */
#include "testhelp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FNV_PRIME 0x100000001b3ULL

uint64_t th_fnv1a_update(uint64_t hash, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= FNV_PRIME;
    }
    return hash;
}

uint64_t th_fnv1a(const void *buf, size_t len)
{
    return th_fnv1a_update(TH_FNV_OFFSET, buf, len);
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t pattern_seed(size_t len, int src, int dst, int iter)
{
    uint64_t key[4] = {(uint64_t)(int64_t)src, (uint64_t)(int64_t)dst, (uint64_t)len,
                       (uint64_t)(int64_t)iter};

    return th_fnv1a(key, sizeof(key));
}

/* Writes the next min(8, left) pattern bytes to out. */
static void pattern_word(uint64_t *state, unsigned char *out, size_t left)
{
    uint64_t w = splitmix64(state);
    size_t n = left < 8 ? left : 8;

    for (size_t k = 0; k < n; k++)
        out[k] = (unsigned char)(w >> (8 * k));
}

void th_pattern_fill(void *buf, size_t len, int src, int dst, int iter)
{
    unsigned char *p = buf;
    uint64_t state = pattern_seed(len, src, dst, iter);

    for (size_t i = 0; i < len; i += 8)
        pattern_word(&state, p + i, len - i);
}

long th_pattern_verify(const void *buf, size_t len, int src, int dst, int iter)
{
    const unsigned char *p = buf;
    uint64_t state = pattern_seed(len, src, dst, iter);
    unsigned char want[8];

    for (size_t i = 0; i < len; i += 8) {
        size_t n = len - i < 8 ? len - i : 8;

        pattern_word(&state, want, n);
        if (memcmp(p + i, want, n) != 0) {
            for (size_t k = 0; k < n; k++)
                if (p[i + k] != want[k])
                    return (long)(i + k);
        }
    }
    return -1;
}

uint64_t th_pattern_checksum(size_t len, int src, int dst, int iter)
{
    uint64_t state = pattern_seed(len, src, dst, iter);
    uint64_t hash = TH_FNV_OFFSET;
    unsigned char word[8];

    for (size_t i = 0; i < len; i += 8) {
        size_t n = len - i < 8 ? len - i : 8;

        pattern_word(&state, word, n);
        hash = th_fnv1a_update(hash, word, n);
    }
    return hash;
}

size_t th_eager_limit(void)
{
    const char *s = getenv("NMPI_TEST_EAGER_LIMIT");
    long v = s ? strtol(s, NULL, 10) : 0;

    return v > 0 ? (size_t)v : (size_t)TEST_EAGER_LIMIT;
}

/* Points file descriptor 2 at tmp; returns a copy of the old one, or -errno. */
static int stderr_redirect(FILE *tmp)
{
    int saved, err;

    fflush(stderr);
    saved = dup(2);
    if (saved < 0)
        return -errno;
    if (dup2(fileno(tmp), 2) < 0) {
        err = -errno;
        close(saved);
        return err;
    }
    return saved;
}

long th_stderr_capture(void (*fn)(void *arg), void *arg, char *buf, size_t len)
{
    FILE *tmp;
    int saved;
    size_t n;

    if (len == 0)
        return -EINVAL;
    tmp = tmpfile();
    if (tmp == NULL)
        return -errno;
    saved = stderr_redirect(tmp);
    if (saved < 0) {
        fclose(tmp);
        return saved;
    }
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    n = fread(buf, 1, len - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    return (long)n;
}
