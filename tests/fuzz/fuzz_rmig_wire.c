/* fuzz_rmig_wire.c: libFuzzer target for the migration daemon's control decoder.
 *
 * Any accepted message has the job's token and its type, and a path after
 * its header exactly when its type carries one; a placement's
 * WHERE and HERE also a requester with an entry, a 32-bit nonce, and (HERE)
 * a state that agrees with its rank; a checkpoint's messages their length
 * (a directory after ASK and GO: absolute, printable, NUL-padded), a
 * number and a requester. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmig_wire.h"
#include "rmig_xreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_wire_hdr h;
    int type = rmig_wire_check(data, (long)size, 0x5eedULL, &h);

    /* CKPT_ASK and CKPT_GO carry a directory (struct rmig_wire_ckpt);
     * BEGIN_FILE, and an ASK through a checkpoint, a path: c bytes and a NUL
     * after the header; anything else is the header alone. */
    int carries = type == RMIG_MSG_CKPT_ASK || type == RMIG_MSG_CKPT_GO;
    size_t tail = carries ? RMIG_WIRE_DIR_MAX
                  : type == RMIG_MSG_BEGIN_FILE || (type == RMIG_MSG_ASK && h.c > 0) ? h.c + 1
                                                                                     : 0;

    if (type >= 0 && (size != sizeof(h) + tail || h.type != type || h.job != 0x5eedULL))
        abort();
    if (carries && !rmig_xreq_dir_ok((const char *)data + sizeof(h)))
        abort();
    if (type >= RMIG_MSG_CKPT_ASK && type <= RMIG_MSG_CKPT_DONE &&
        (RMIG_REQUESTER_ENTRY(h.a) < 0 || RMIG_REQUESTER_ID(h.a) == 0 || h.b > UINT32_MAX ||
         h.ckpt < 0 || (type == RMIG_MSG_CKPT_GO && h.ckpt < 1) || h.arg > 0))
        abort();
    if (!carries && tail > 0 &&
        (h.c >= RMIG_WIRE_PATH_MAX || data[size - 1] != '\0' ||
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

/* A well-formed CKPT_ASK, CKPT_GO or CKPT_DONE. */
static size_t fuzz_make_ckpt(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_wire_ckpt m;
    size_t len;

    if (max < sizeof(m))
        return 0;
    memset(&m, 0, sizeof(m));
    m.h.magic = RMIG_WIRE_MAGIC;
    m.h.version = RMIG_WIRE_VERSION;
    m.h.type = (uint16_t)(RMIG_MSG_CKPT_ASK + k % 3);
    m.h.job = 0x5eedULL;
    m.h.src_cluster = (int32_t)(k % 5);
    m.h.rank = -1;
    m.h.a = RMIG_REQUESTER(k % 7, 100 + k);
    m.h.b = k;
    m.h.ckpt = m.h.type == RMIG_MSG_CKPT_ASK ? 0 : (int32_t)(1 + k);
    if (m.h.type == RMIG_MSG_CKPT_DONE && (k & 8))
        m.h.arg = -13; /* -EACCES */
    else if (m.h.type == RMIG_MSG_CKPT_DONE)
        m.h.c = 4096u * (k + 1);
    snprintf(m.dir, sizeof(m.dir), "/tmp/ckpt-%u", k);
    len = m.h.type == RMIG_MSG_CKPT_DONE ? sizeof(m.h) : sizeof(m);
    if (rmig_wire_check(&m, (long)len, 0x5eedULL, NULL) != m.h.type)
        abort(); /* a well-formed seed must pass, or the target would test nothing */
    memcpy(buf, &m, len);
    return len;
}

size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct rmig_wire_hdr h;

    if (k % 4 == 3)
        return fuzz_make_ckpt(buf, max, k);
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
