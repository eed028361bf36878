/* fuzz_driver.c: runs a libFuzzer target without libFuzzer, for `make check`.
 *
 * It feeds the target a fixed number of inputs: random byte strings, and
 * bit flips and truncations of well-formed seeds the target makes, from a
 * fixed PRNG seed so a failure reproduces. Coverage-guided runs use clang's
 * -fsanitize=fuzzer on the same target file instead (see tests/fuzz/README).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each target also builds well-formed inputs (number k of its kinds) for the
 * driver to mutate, since random bytes rarely get past a magic number. */
size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k);

#define DRIVER_MAX_INPUT 16384

static uint64_t driver_state = 0x9e3779b97f4a7c15ULL;

static uint64_t driver_rand(void)
{
    driver_state ^= driver_state << 13;
    driver_state ^= driver_state >> 7;
    driver_state ^= driver_state << 17;
    return driver_state;
}

int main(void)
{
    static uint8_t seed[DRIVER_MAX_INPUT], input[DRIVER_MAX_INPUT];
    long runs = getenv("FUZZ_RUNS") ? atol(getenv("FUZZ_RUNS")) : 200000;
    long i;

    for (i = 0; i < runs; i++) {
        size_t n;

        if (i & 1) {
            n = fuzz_make_seed(seed, sizeof(seed), (unsigned)(driver_rand() % 16));
            memcpy(input, seed, n);
            if (n > 0 && (i & 2))
                input[driver_rand() % n] ^= (uint8_t)(1u << (driver_rand() % 8));
            if (n > 0 && (driver_rand() & 3) == 0)
                n = driver_rand() % n; /* truncated */
        } else {
            size_t k;

            n = driver_rand() % 256;
            for (k = 0; k < n; k++)
                input[k] = (uint8_t)driver_rand();
        }
        LLVMFuzzerTestOneInput(input, n);
    }
    printf("fuzz driver: %ld inputs, no crash\n", runs);
    return 0;
}
