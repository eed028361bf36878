/* cv_request.c: request objects, completion, test/wait/free/cancel.
 *
 * A request is allocated in rank context (so in the container). Requests
 * waiting on the network (CTS, ACK, portal transfer) sit on the rank's
 * active list, looked up by their id when a control message names them: ids
 * come from another process and are never dereferenced as pointers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cv_internal.h"

/* One finished request is kept for the next (r->spare): a blocking call
 * takes and gives back one per message, and the heap's calloc and free cost
 * as much as the rest of cv's send path. */
struct cv_request *cv_request_new(struct cv_rank *r, int kind)
{
    struct cv_request *q = r->spare;

    if (q != NULL) {
        r->spare = NULL;
        memset(q, 0, sizeof(*q));
    } else if ((q = calloc(1, sizeof(*q))) == NULL) {
        return NULL;
    }
    q->kind = (uint8_t)kind;
    q->state = CV_REQ_POSTED;
    q->portal = -1;
    q->id = ++r->next_id;
    return q;
}

/* Gives q back: kept as the rank's spare, or freed. */
static void cv_request_drop(struct cv_request *q)
{
    struct cv_rank *r = cv_self();

    if (r != NULL && r->spare == NULL)
        r->spare = q;
    else
        free(q);
}

void cv_request_complete(struct cv_request *q)
{
    if (q->released) {
        cv_request_drop(q);
        return;
    }
    q->state = CV_REQ_DONE;
}

void cv_active_add(struct cv_rank *r, struct cv_request *q)
{
    q->next = r->active;
    r->active = q;
}

void cv_active_remove(struct cv_rank *r, struct cv_request *q)
{
    struct cv_request **pp;

    for (pp = &r->active; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == q) {
            *pp = q->next;
            q->next = NULL;
            return;
        }
    }
}

struct cv_request *cv_active_find(struct cv_rank *r, uint64_t id, int state)
{
    struct cv_request *q;

    for (q = r->active; q != NULL; q = q->next)
        if (q->id == id && q->state == state)
            return q;
    return NULL;
}

int cv_request_done(const cv_request_t *req)
{
    return req->state == CV_REQ_DONE;
}

int cv_test(cv_request_t *req, int *done_p, struct cv_status *st)
{
    if (req->state != CV_REQ_DONE)
        cv_progress();
    *done_p = req->state == CV_REQ_DONE;
    if (*done_p && st != NULL)
        *st = req->status;
    return 0;
}

int cv_wait(cv_request_t *req, struct cv_status *st)
{
    unsigned spins = 0;

    while (req->state != CV_REQ_DONE)
        cv_idle(&spins);
    if (st != NULL)
        *st = req->status;
    return 0;
}

void cv_request_free(cv_request_t *req)
{
    if (req == NULL)
        return;
    if (req->state == CV_REQ_DONE)
        cv_request_drop(req);
    else
        req->released = 1;
}

/* Unlinks q from the posted queue; returns 1 if it was there. */
static int cv_posted_unlink(struct cv_rank *r, struct cv_request *q)
{
    struct cv_request **pp, *prev = NULL;

    for (pp = &r->posted.head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
        if (*pp == q) {
            *pp = q->next;
            if (r->posted.tail == q)
                r->posted.tail = prev;
            q->next = NULL;
            return 1;
        }
    }
    return 0;
}

int cv_cancel(cv_request_t *req)
{
    struct cv_rank *r = cv_self();

    if (req->kind != CV_REQ_RECV)
        return -ENOTSUP;
    if (req->state != CV_REQ_POSTED || !cv_posted_unlink(r, req))
        return 1;
    req->status.cancelled = 1;
    req->status.count = 0;
    cv_request_complete(req);
    return 0;
}
