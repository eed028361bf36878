/* cv_wire.c: the decoder of comm-virt wire headers.
 *
 * Messages come from other processes, so each field is range-checked here,
 * once; the rest of comm-virt trusts a decoded header.
 */
#include <errno.h>
#include <string.h>

#include "cv.h"
#include "cv_wire.h"

/* Checks that the length of the message agrees with its type. */
static int cv_wire_check_len(const struct cv_wire_hdr *h, size_t n)
{
    size_t body = n - sizeof(*h);

    switch (h->type) {
    case CV_MSG_EAGER:
        return h->len == body && h->len <= CV_EAGER_LIMIT ? 0 : -EPROTO;
    case CV_MSG_RTS:
        return body == 0 ? 0 : -EPROTO; /* any length: NMPI_EAGER_LIMIT may be lower */
    case CV_MSG_CTS:
    case CV_MSG_ACK:
    case CV_MSG_GO:
    case CV_MSG_ROUTE:
        return body == 0 ? 0 : -EPROTO;
    default:
        return -EPROTO;
    }
}

int cv_wire_decode(const void *msg, size_t n, uint64_t job, int nranks, struct cv_wire_hdr *hdr)
{
    if (msg == NULL || n < sizeof(*hdr))
        return -EPROTO;
    memcpy(hdr, msg, sizeof(*hdr));
    if (hdr->version != CV_WIRE_VERSION || hdr->job != job)
        return -EPROTO;
    if (hdr->src < 0 || hdr->src >= nranks || hdr->dst < 0 || hdr->dst >= nranks)
        return -EPROTO;
    if (hdr->src_cluster < 0)
        return -EPROTO;
    if ((hdr->type == CV_MSG_EAGER || hdr->type == CV_MSG_RTS) && hdr->tag < 0)
        return -EPROTO;
    return cv_wire_check_len(hdr, n);
}
