/* fuzz_rmig_wire.c: libFuzzer target for the migration daemon's control decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_wire_hdr h;
    int type = rmig_wire_check(data, (long)size, 0x5eedULL, &h);

    if (type >= 0 && (size != sizeof(h) || h.type != type || h.job != 0x5eedULL))
        abort();
    return 0;
}

size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_wire_hdr h;

    if (max < sizeof(h))
        return 0;
    memset(&h, 0, sizeof(h));
    h.magic = RMIG_WIRE_MAGIC;
    h.version = RMIG_WIRE_VERSION;
    h.type = (uint16_t)(1 + k % RMIG_MSG_TYPE_MAX);
    h.arg = (int32_t)(1 + k);
    h.job = 0x5eedULL;
    h.src_cluster = (int32_t)k;
    memcpy(buf, &h, sizeof(h));
    return sizeof(h);
}
