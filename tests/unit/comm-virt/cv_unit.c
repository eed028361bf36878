/* cv_unit.c: helpers shared by comm-virt's unit tests (fixture, message builders).
 *
 * The fixture clears comm-virt's per-cluster state (a global of cv_state.c)
 * and the fake kernel, then runs the real cv_init(), so every test starts
 * with rank CVU_ME freshly set up, routes at their start values and nothing
 * queued. Messages are built as a peer's comm-virt would build them; those
 * comm-virt sends are read back from the fake's record.
 */
#include <check.h>
#include <string.h>

#include "cv_unit.h"

void cvu_setup(void)
{
    fake_reset();
    memset(&cv_cluster, 0, sizeof(cv_cluster));
    cv_cluster.inbox = -1;
    ck_assert_int_eq(cv_init(), 0);
    ck_assert_int_eq(cv_rank(), CVU_ME);
    ck_assert_int_eq(cv_size(), FAKE_NRANKS);
}

void cvu_payload(unsigned char *p, size_t len, int mark)
{
    size_t i;

    for (i = 0; i < len; i++)
        p[i] = (unsigned char)(mark + i);
}

int cvu_payload_is(const unsigned char *p, size_t len, int mark)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (p[i] != (unsigned char)(mark + i))
            return 0;
    return 1;
}

struct cv_wire_hdr cvu_hdr(int type, int src, int tag, int ctx, uint32_t seq, uint64_t len)
{
    struct cv_wire_hdr h;

    memset(&h, 0, sizeof(h));
    h.version = CV_WIRE_VERSION;
    h.type = (uint8_t)type;
    h.src = src;
    h.dst = CVU_ME;
    h.tag = tag;
    h.ctx = ctx;
    h.seq = seq;
    h.src_cluster = src;
    h.len = len;
    h.cookie = 1000 + seq;
    h.job = FAKE_JOB;
    return h;
}

void cvu_deliver(int src, int tag, int ctx, int mark, size_t len)
{
    static unsigned char payload[CV_EAGER_LIMIT];
    struct cv_wire_hdr h = cvu_hdr(CV_MSG_EAGER, src, tag, ctx, 0, len);

    ck_assert_uint_le(len, sizeof(payload));
    cvu_payload(payload, len, mark);
    cv_deliver(cv_self(), &h, payload);
}

void cvu_push(const struct cv_wire_hdr *h, int mark)
{
    static unsigned char msg[KMAILBOX_MESSAGE_SIZE];
    size_t plen = h->type == CV_MSG_EAGER ? (size_t)h->len : 0;

    ck_assert_uint_le(sizeof(*h) + plen, sizeof(msg));
    memcpy(msg, h, sizeof(*h));
    cvu_payload(msg + sizeof(*h), plen, mark);
    fake_inbox_push(msg, sizeof(*h) + plen);
}

struct cv_wire_hdr cvu_sent(int i)
{
    struct cv_wire_hdr h;

    ck_assert_int_lt(i, fake_nsent);
    ck_assert_uint_ge(fake_sent[i].len, sizeof(h));
    memcpy(&h, fake_sent[i].bytes, sizeof(h));
    return h;
}

cv_request_t *cvu_irecv(void *buf, size_t len, int src, int tag, int ctx)
{
    cv_request_t *q = NULL;

    ck_assert_int_eq(cv_irecv(buf, len, src, tag, ctx, &q), 0);
    ck_assert_ptr_nonnull(q);
    return q;
}

int cvu_req_count(const struct cv_request *q)
{
    int n = 0;

    for (; q != NULL; q = q->next)
        n++;
    return n;
}

int cvu_msg_count(const struct cv_msg *m)
{
    int n = 0;

    for (; m != NULL; m = m->next)
        n++;
    return n;
}
