/* rmig_wire.c: validation of control messages received by the daemon.
 *
 * Anything read from the control mailbox comes from another process; it is
 * trusted only after its length, magic, version, job token and type check
 * out.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "rmig_wire.h"
#include "rmig_xreq.h"

/* WHERE and HERE: a placement's requester and nonce; HERE says what runs
 * at its sender (a rank and its container's bytes, or nothing: idle or
 * reserved). */
static int rmig_wire_place_ok(const struct rmig_wire_hdr *h)
{
    if (RMIG_REQUESTER_ENTRY(h->a) < 0 || RMIG_REQUESTER_ENTRY(h->a) >= RMIG_WIRE_CLUSTERS_MAX ||
        RMIG_REQUESTER_ID(h->a) == 0 || h->b > UINT32_MAX)
        return 0;
    if (h->type == RMIG_MSG_WHERE) /* rank -1: a placement; else a question about that rank */
        return h->rank >= -1 && h->rank < RMIG_WIRE_CLUSTERS_MAX && h->hops >= 0 &&
               h->hops <= RMIG_MAX_HOPS && (h->rank >= 0 || h->hops == 0) && h->arg == 0 &&
               h->c == 0;
    if (h->stream != 0)
        return 0;
    if (h->arg == RMIG_PLACE_RANK)
        return h->rank >= 0 && h->rank < RMIG_WIRE_CLUSTERS_MAX && h->c <= RMIG_WIRE_BYTES_MAX;
    return (h->arg == RMIG_PLACE_IDLE || h->arg == RMIG_PLACE_BUSY) && h->rank == -1 && h->c == 0;
}

_Static_assert(RMIG_WIRE_DIR_MAX == RMIG_XREQ_DIR_MAX, "a CHECKPOINT's directory fits the wire");

/* The checkpoint messages (rmig_ckpt_ask.c): a requester and its nonce; a
 * number on GO and DONE; a status and the bytes written on DONE. */
static int rmig_wire_ckpt_ok(const struct rmig_wire_hdr *h)
{
    if (RMIG_REQUESTER_ENTRY(h->a) < 0 || RMIG_REQUESTER_ENTRY(h->a) >= RMIG_WIRE_CLUSTERS_MAX ||
        RMIG_REQUESTER_ID(h->a) == 0 || h->b > UINT32_MAX || h->ckpt < 0)
        return 0;
    if (h->type == RMIG_MSG_CKPT_ASK)
        return h->ckpt == 0 && h->arg == 0 && h->c == 0;
    if (h->type == RMIG_MSG_CKPT_GO)
        return h->ckpt >= 1 && h->arg == 0 && h->c == 0;
    return h->arg <= 0 && h->arg >= -4095 && (h->arg == 0 ? h->ckpt >= 1 : h->c == 0);
}

/* The length a message of type t must have. */
static size_t rmig_wire_len(int t)
{
    return t == RMIG_MSG_CKPT_ASK || t == RMIG_MSG_CKPT_GO ? sizeof(struct rmig_wire_ckpt)
                                                           : sizeof(struct rmig_wire_hdr);
}

int rmig_wire_check(const void *msg, long len, uint64_t job, struct rmig_wire_hdr *out)
{
    struct rmig_wire_hdr hdr;

    if (msg == NULL || len < (long)sizeof(hdr))
        return -EPROTO;
    memcpy(&hdr, msg, sizeof(hdr));
    if (hdr.type < RMIG_MSG_JOB_END || hdr.type > RMIG_MSG_TYPE_MAX ||
        (size_t)len != rmig_wire_len(hdr.type))
        return -EPROTO;
    if ((size_t)len > sizeof(hdr) && !rmig_xreq_dir_ok((const char *)msg + sizeof(hdr)))
        return -EPROTO;
    if (hdr.magic != RMIG_WIRE_MAGIC || hdr.version != RMIG_WIRE_VERSION)
        return -EPROTO;
    if (hdr.job != job || hdr.src_cluster < 0)
        return -EPROTO;
    if (hdr.type < RMIG_MSG_JOB_END || hdr.type > RMIG_MSG_TYPE_MAX)
        return -EPROTO;
    if (hdr.type == RMIG_MSG_BEGIN) {
        if (hdr.arg < 1 || hdr.arg > RMIG_MAX_RANGES || hdr.stream < 0 ||
            hdr.stream >= RMIG_STREAMS)
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_ASK) {
        if (hdr.hops < 0 || hdr.hops > RMIG_MAX_HOPS || RMIG_REQUESTER_ENTRY(hdr.a) < -1 ||
            RMIG_REQUESTER_ENTRY(hdr.a) >= RMIG_WIRE_CLUSTERS_MAX || hdr.b > UINT32_MAX)
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_RESULT) {
        if (hdr.from < 0 || hdr.arg > 0 || hdr.arg < -4095 || RMIG_REQUESTER_ENTRY(hdr.a) < 0 ||
            RMIG_REQUESTER_ENTRY(hdr.a) >= RMIG_WIRE_CLUSTERS_MAX ||
            RMIG_REQUESTER_ID(hdr.a) == 0 || hdr.b > UINT32_MAX)
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_WHERE || hdr.type == RMIG_MSG_HERE) {
        if (!rmig_wire_place_ok(&hdr))
            return -EPROTO;
    } else if (hdr.type >= RMIG_MSG_CKPT_ASK) { /* CKPT_ASK, CKPT_GO, CKPT_DONE: the last ones */
        if (!rmig_wire_ckpt_ok(&hdr))
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_TABLE_OK || hdr.type == RMIG_MSG_DONE ||
               hdr.type == RMIG_MSG_FAIL || hdr.type == RMIG_MSG_COMMIT ||
               hdr.type == RMIG_MSG_ABORT) {
        if (hdr.stream < 0 || hdr.stream >= RMIG_STREAMS)
            return -EPROTO;
    } else if (hdr.stream != 0) {
        return -EPROTO;
    }
    if (hdr.type != RMIG_MSG_RESULT && hdr.type != RMIG_MSG_HERE &&
        hdr.type != RMIG_MSG_CKPT_DONE && hdr.c != 0)
        return -EPROTO;
    if (out != NULL)
        *out = hdr;
    return hdr.type;
}
