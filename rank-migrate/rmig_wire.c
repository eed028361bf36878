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

_Static_assert(RMIG_WIRE_DIR_MAX == RMIG_XREQ_CKPT_DIR_MAX,
               "a CHECKPOINT's directory fits the wire");

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

/* CKPT_ASK and CKPT_GO: exactly a struct rmig_wire_ckpt, its directory
 * checked. */
static int rmig_wire_dir_ok(const struct rmig_wire_hdr *h, const char *msg, long len)
{
    return len == (long)sizeof(struct rmig_wire_ckpt) && rmig_xreq_dir_ok(msg + sizeof(*h));
}

/* A path after the header: only BEGIN_FILE (always) and ASK (c > 0) have
 * one, of exactly c bytes without a NUL, then the NUL, then nothing. */
static int rmig_wire_tail_ok(const struct rmig_wire_hdr *h, const char *msg, long len)
{
    long tail = len - (long)sizeof(*h);

    if (h->type != RMIG_MSG_BEGIN_FILE && (h->type != RMIG_MSG_ASK || h->c == 0))
        return tail == 0;
    if (h->c == 0 || h->c >= RMIG_WIRE_PATH_MAX || tail != (long)h->c + 1)
        return 0;
    return msg[len - 1] == '\0' && memchr(msg + sizeof(*h), '\0', h->c) == NULL;
}

const char *rmig_wire_path_of(const void *msg, const struct rmig_wire_hdr *h)
{
    return h->c > 0 && (h->type == RMIG_MSG_BEGIN_FILE || h->type == RMIG_MSG_ASK)
               ? (const char *)msg + sizeof(*h)
               : "";
}

int rmig_wire_check(const void *msg, long len, uint64_t job, struct rmig_wire_hdr *out)
{
    struct rmig_wire_hdr hdr;

    if (msg == NULL || len < (long)sizeof(hdr))
        return -EPROTO;
    memcpy(&hdr, msg, sizeof(hdr));
    if (hdr.magic != RMIG_WIRE_MAGIC || hdr.version != RMIG_WIRE_VERSION)
        return -EPROTO;
    if (hdr.job != job || hdr.src_cluster < 0)
        return -EPROTO;
    if (hdr.type < RMIG_MSG_JOB_END || hdr.type > RMIG_MSG_TYPE_MAX)
        return -EPROTO;
    if (hdr.type == RMIG_MSG_CKPT_ASK || hdr.type == RMIG_MSG_CKPT_GO
            ? !rmig_wire_dir_ok(&hdr, msg, len)
            : !rmig_wire_tail_ok(&hdr, msg, len))
        return -EPROTO;
    if (hdr.type == RMIG_MSG_BEGIN || hdr.type == RMIG_MSG_BEGIN_FILE ||
        hdr.type == RMIG_MSG_POSTCOPY) {
        if (hdr.arg < 1 || hdr.arg > RMIG_MAX_RANGES || hdr.stream < 0 ||
            hdr.stream >= RMIG_STREAMS)
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_PRECOPY) { /* the layout's counts: rmig_precopy_wire.h */
        if (hdr.arg < 1 || hdr.arg > 64 || hdr.a < 1 || hdr.a > 256 || hdr.rank < 0 ||
            hdr.stream < 0 || hdr.stream >= RMIG_STREAMS || hdr.b != 0)
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_ASK) {
        if (hdr.hops < 0 || hdr.hops > RMIG_MAX_HOPS || RMIG_REQUESTER_ENTRY(hdr.a) < -1 ||
            RMIG_REQUESTER_ENTRY(hdr.a) >= RMIG_WIRE_CLUSTERS_MAX || RMIG_ASK_MODE(hdr.b) < 0 ||
            (RMIG_ASK_MODE(hdr.b) > RMIG_ASK_MODE_MAX &&
             RMIG_ASK_MODE(hdr.b) != RMIG_ASK_MODE_POSTCOPY &&
             RMIG_ASK_MODE(hdr.b) != RMIG_ASK_MODE_AUTO))
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_RESULT) {
        if (hdr.from < 0 || hdr.arg > 0 || hdr.arg < -4095 || RMIG_REQUESTER_ENTRY(hdr.a) < 0 ||
            RMIG_REQUESTER_ENTRY(hdr.a) >= RMIG_WIRE_CLUSTERS_MAX ||
            RMIG_REQUESTER_ID(hdr.a) == 0 || hdr.b > UINT32_MAX)
            return -EPROTO;
    } else if (hdr.type == RMIG_MSG_WHERE || hdr.type == RMIG_MSG_HERE) {
        if (!rmig_wire_place_ok(&hdr))
            return -EPROTO;
    } else if (hdr.type >= RMIG_MSG_CKPT_ASK && hdr.type <= RMIG_MSG_CKPT_DONE) {
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
    if (hdr.type != RMIG_MSG_RESULT && hdr.type != RMIG_MSG_HERE && hdr.type != RMIG_MSG_ASK &&
        hdr.type != RMIG_MSG_BEGIN_FILE && hdr.type != RMIG_MSG_CKPT_DONE && hdr.c != 0)
        return -EPROTO;
    if (out != NULL)
        *out = hdr;
    return hdr.type;
}
