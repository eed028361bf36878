/* fuzz_rmig_wire.c: libFuzzer target for the migration daemon's control decoder.
 *
 * Any accepted message has the job's token and its type, and a path after
 * its header exactly when its type carries one; a placement's
 * WHERE and HERE also a requester with an entry, a 32-bit nonce, and (HERE)
 * a state that agrees with its rank. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_wire.h"
#include "rmig_xreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_wire_hdr h;
    int type = rmig_wire_check(data, (long)size, 0x5eedULL, &h);

    /* BEGIN_FILE, and an ASK through a checkpoint, carry a path: c bytes
     * and a NUL after the header; anything else is the header alone. */
    size_t tail = type == RMIG_MSG_BEGIN_FILE || (type == RMIG_MSG_ASK && h.c > 0) ? h.c + 1 : 0;

    if (type >= 0 && (size != sizeof(h) + tail || h.type != type || h.job != 0x5eedULL))
        abort();
    if (tail > 0 && (h.c >= RMIG_WIRE_PATH_MAX || data[size - 1] != '\0' ||
                     strlen(rmig_wire_path_of(data, &h)) != h.c))
        abort();
    if (type != RMIG_MSG_WHERE && type != RMIG_MSG_HERE)
        return 0;
    if (RMIG_REQUESTER_ENTRY(h.a) < 0 || RMIG_REQUESTER_ID(h.a) == 0 || h.b > UINT32_MAX)
        abort();
    if (type == RMIG_MSG_WHERE ? h.rank != -1 || h.arg != 0
                               : (h.arg == RMIG_PLACE_RANK) != (h.rank >= 0) ||
                                     h.arg < RMIG_PLACE_RANK || h.arg > RMIG_PLACE_BUSY)
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
    if (h.type == RMIG_MSG_WHERE || h.type == RMIG_MSG_HERE) { /* well-formed ones */
        h.a = RMIG_REQUESTER(k % 7, 100 + k);
        h.b = k;
        h.rank = h.type == RMIG_MSG_HERE && (k & 32) ? (int32_t)(k % 9) : -1;
        h.arg = h.type == RMIG_MSG_WHERE ? 0 : h.rank >= 0 ? RMIG_PLACE_RANK : RMIG_PLACE_IDLE;
    }
    memcpy(buf, &h, sizeof(h));
    return sizeof(h);
}
