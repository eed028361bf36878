/* cv_unit.h: helpers shared by comm-virt's unit tests (fixture, message builders).
 *
 * Every test runs as rank CVU_ME on cluster FAKE_SELF of the fake job
 * (fake_kernel.h), with comm-virt's real code set up by cv_init(). A test
 * message carries a `mark` (0..255): payload byte i is (mark + i) & 0xff, so
 * the first byte names the message and every byte can be checked. Other
 * ranks live on the cluster of their own number, as at start.
 */
#ifndef CV_UNIT_H
#define CV_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "cv_internal.h"
#include "fake_kernel.h"

#define CVU_ME FAKE_SELF /* this test's rank */

/* Checked fixture: fresh fake kernel, cluster state and rank state. */
void cvu_setup(void);

/* Fills p[0..len-1] with the payload of message `mark`. */
void cvu_payload(unsigned char *p, size_t len, int mark);

/* Non-zero when p[0..len-1] is the payload of message `mark`. */
int cvu_payload_is(const unsigned char *p, size_t len, int mark);

/* A well-formed matching header from rank src (on cluster src) to CVU_ME.
 * type EAGER or RTS; cookie = 1000 + seq. */
struct cv_wire_hdr cvu_hdr(int type, int src, int tag, int ctx, uint32_t seq, uint64_t len);

/* Hands comm-virt an eager message of len bytes (payload of `mark`)
 * straight to cv_deliver(), as the ordering layer would. */
void cvu_deliver(int src, int tag, int ctx, int mark, size_t len);

/* Queues header h (plus the payload of `mark` for EAGER) in the fake inbox. */
void cvu_push(const struct cv_wire_hdr *h, int mark);

/* Header of the i-th message comm-virt sent. */
struct cv_wire_hdr cvu_sent(int i);

/* cv_irecv() that must succeed. */
cv_request_t *cvu_irecv(void *buf, size_t len, int src, int tag, int ctx);

/* Length of a request or message list. */
int cvu_req_count(const struct cv_request *q);
int cvu_msg_count(const struct cv_msg *m);

#endif /* CV_UNIT_H */
