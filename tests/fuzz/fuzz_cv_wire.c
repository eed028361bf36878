/* fuzz_cv_wire.c: libFuzzer target for the comm-virt wire-header decoder.
 *
 * Any byte string must decode to -EPROTO or to a header whose fields are in
 * range; the target aborts if a header is accepted with an impossible field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "cv_wire.h"

#define FUZZ_JOB    0x5eedULL
#define FUZZ_NRANKS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cv_wire_hdr h;

    if (cv_wire_decode(data, size, FUZZ_JOB, FUZZ_NRANKS, &h) != 0)
        return 0;
    if (h.src < 0 || h.src >= FUZZ_NRANKS || h.dst < 0 || h.dst >= FUZZ_NRANKS)
        abort();
    if (h.type == CV_MSG_EAGER && h.len != size - sizeof(h))
        abort();
    if (h.type == CV_MSG_EAGER && h.len > CV_EAGER_LIMIT)
        abort();
    return 0;
}

size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    static const uint8_t types[] = {CV_MSG_EAGER, CV_MSG_RTS, CV_MSG_CTS, CV_MSG_ACK, CV_MSG_GO};
    struct cv_wire_hdr h;
    size_t plen = 0;

    memset(&h, 0, sizeof(h));
    h.version = CV_WIRE_VERSION;
    h.type = types[k % sizeof(types)];
    h.src = (int32_t)(k % FUZZ_NRANKS);
    h.dst = (int32_t)((k + 1) % FUZZ_NRANKS);
    h.tag = (int32_t)k;
    h.job = FUZZ_JOB;
    if (h.type == CV_MSG_EAGER)
        plen = (k * 97) % 512;
    if (h.type == CV_MSG_RTS)
        h.len = CV_EAGER_LIMIT + 1 + k;
    else
        h.len = plen;
    if (sizeof(h) + plen > max)
        return 0;
    memcpy(buf, &h, sizeof(h));
    memset(buf + sizeof(h), (int)k, plen);
    return sizeof(h) + plen;
}
