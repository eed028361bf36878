/* fuzz_rmig_postcopy.c: libFuzzer target for post-copy page pulls.
 *
 * rmig_pull_decode() decodes what a destination sends the source (the
 * source answers it with bytes of its container), rmig_pull_answer_decode()
 * what the source sends back (placed into the running rank's pages). Every
 * input goes to both. A pull must be refused or give a request of this
 * job and rank for whole pages, bounded, without wrap-around; an answer
 * must be refused or match the pull asked, its bytes exactly its length.
 * The target aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_postcopy_wire.h"

#define FUZZ_JOB  0x6a6f62746f6b656eULL
#define FUZZ_RANK 3

static void fuzz_answer(const uint8_t *data, size_t size)
{
    struct rmig_pull asked;
    const void *bytes = NULL;
    int st;

    if (size < sizeof(asked))
        return;
    memcpy(&asked, data, sizeof(asked)); /* the pull it claims to answer */
    asked.magic = RMIG_PULL_MAGIC;
    asked.status = 0;
    st = rmig_pull_answer_decode(data, size, &asked, &bytes);
    if (st == -74 /* -EBADMSG */ || (st < 0 && st >= -4095))
        return;
    if (st == RMIG_PULL_BYTES) {
        if (size != sizeof(asked) + asked.len || bytes != data + sizeof(asked))
            abort();
        return;
    }
    if (st != RMIG_PULL_EMPTY || size != sizeof(asked))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_pull p;

    fuzz_answer(data, size);
    if (rmig_pull_decode(data, size, FUZZ_JOB, FUZZ_RANK, &p) < 0)
        return 0;
    if (size != sizeof(p) || p.magic != RMIG_PULL_MAGIC || p.version != RMIG_PULL_VERSION ||
        p.status != 0 || p.job != FUZZ_JOB || p.rank != FUZZ_RANK || p.len < RMIG_PULL_PAGE ||
        p.len > RMIG_PULL_MAX || p.len % RMIG_PULL_PAGE != 0 || p.addr % RMIG_PULL_PAGE != 0 ||
        p.addr + p.len <= p.addr)
        abort();
    return 0;
}

/* Well-formed pulls, and answers with bytes, empty, refused. */
size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_pull p;
    uint32_t len = RMIG_PULL_PAGE * (1 + k % 4);
    size_t n = sizeof(p);

    if (max < sizeof(p) + len)
        return 0;
    rmig_pull_fill(&p, FUZZ_JOB, FUZZ_RANK, 0x100000000000ULL + (uint64_t)k * RMIG_PULL_PAGE, len,
                   k);
    if (rmig_pull_decode(&p, sizeof(p), FUZZ_JOB, FUZZ_RANK, NULL) != 0)
        abort(); /* a well-formed seed must pass, or the target would test nothing */
    if (k % 4 != 0) {
        struct rmig_pull asked = p;

        p.magic = RMIG_ANSWER_MAGIC;
        p.status = (int16_t)(k % 4 == 1 ? RMIG_PULL_BYTES : k % 4 == 2 ? RMIG_PULL_EMPTY : -22);
        if (p.status == RMIG_PULL_BYTES) {
            memset(buf + sizeof(p), (int)k, len);
            n += len;
        }
        memcpy(buf, &p, sizeof(p));
        if (rmig_pull_answer_decode(buf, n, &asked, NULL) != p.status)
            abort();
        return n;
    }
    memcpy(buf, &p, sizeof(p));
    return n;
}
