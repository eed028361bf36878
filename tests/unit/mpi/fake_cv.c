/* fake_cv.c: a throw-away, in-process stand-in for comm-virt, uarea and the
 * node calls that mpi/ uses, for the unit tests of mpi/ only.
 *
 * Ranks are threads of the test process (fake_run() starts them); each has
 * its own uarea root slot (ua_root) (thread-local). One mutex and condition
 * variable protect everything. A send copies its data and either meets a
 * posted receive of the destination (first match in posting order) or joins
 * the destination's unexpected queue; a receive takes the first matching
 * unexpected message or is posted. FIFO queues give MPI's non-overtaking
 * order. Synchronous sends complete when they are matched.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cv.h"
#include "nanvix.h"
#include "rmig.h"
#include "fake_cv.h"

struct fake_msg {
    int src, tag, ctx;
    size_t len;
    void *data;
    struct cv_request *sync_req; /* synchronous sender to complete on match */
    struct fake_msg *next;
};

struct cv_request {
    int is_recv;
    int done;
    int freed;
    void *buf;
    size_t len;
    int src, tag, ctx;
    struct cv_status st;
    struct cv_request *next; /* posted queue link */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int nranks = 1;
static struct fake_msg *unexpected[FAKE_MAX_RANKS];
static struct cv_request *posted[FAKE_MAX_RANKS];
static __thread int my_rank;
static __thread int my_init;
static __thread void *my_root;

void **ua_root(int slot)
{
    (void)slot; /* only mpi/ runs here: one slot per thread */
    return &my_root;
}

/* Each fake rank is one thread that is its own main context; nothing
 * below mpi/ needs the MPI_THREAD_MULTIPLE hooks here. */
int ua_rank_active(void)
{
    return 1;
}

int ua_thread_serve(int on)
{
    (void)on;
    return 0;
}

int ua_thread_serving(void)
{
    return 0;
}

void knode_set_idle_hooks(const struct knode_idle_hooks *hooks)
{
    (void)hooks;
}

static int matches(int want_src, int want_tag, int want_ctx, int src, int tag, int ctx)
{
    return ctx == want_ctx && (want_src == CV_ANY_SOURCE || want_src == src) &&
           (want_tag == CV_ANY_TAG || want_tag == tag);
}

/* Completes request r (lock held); frees it if the user already did. */
static void complete(struct cv_request *r)
{
    r->done = 1;
    if (r->freed)
        free(r);
    pthread_cond_broadcast(&cond);
}

/* Delivers message m into receive r (lock held). */
static void deliver(struct cv_request *r, struct fake_msg *m)
{
    size_t n = m->len < r->len ? m->len : r->len;

    if (n)
        memcpy(r->buf, m->data, n);
    r->st.source = m->src;
    r->st.tag = m->tag;
    r->st.count = n;
    r->st.error = m->len > r->len ? CV_ERR_TRUNCATE : 0;
    if (m->sync_req)
        complete(m->sync_req);
    free(m->data);
    free(m);
    complete(r);
}

int cv_init(void)
{
    my_init = 1;
    return 0;
}

int cv_initialized(void)
{
    return my_init;
}

int cv_finalize(void)
{
    my_init = 0;
    return 0;
}

int cv_rank(void)
{
    return my_rank;
}

int cv_size(void)
{
    return nranks;
}

int cv_route(int rank)
{
    return rank;
}

int cv_isend(const void *buf, size_t len, int dest, int tag, int ctx, int mode,
             cv_request_t **req_p)
{
    struct cv_request *r = calloc(1, sizeof(*r)), **pp;
    struct fake_msg *m = calloc(1, sizeof(*m)), **mp;

    if (dest < 0 || dest >= nranks)
        return CV_ERR_RANK;
    m->src = my_rank;
    m->tag = tag;
    m->ctx = ctx;
    m->len = len;
    m->data = malloc(len ? len : 1);
    if (len)
        memcpy(m->data, buf, len);
    r->st.source = my_rank;
    r->st.tag = tag;
    pthread_mutex_lock(&lock);
    if (mode == CV_SEND_SYNC)
        m->sync_req = r;
    else
        r->done = 1;
    for (pp = &posted[dest]; *pp; pp = &(*pp)->next) {
        if (matches((*pp)->src, (*pp)->tag, (*pp)->ctx, m->src, m->tag, m->ctx)) {
            struct cv_request *rr = *pp;
            *pp = rr->next;
            deliver(rr, m);
            m = NULL;
            break;
        }
    }
    if (m) {
        for (mp = &unexpected[dest]; *mp; mp = &(*mp)->next)
            ;
        *mp = m;
    }
    pthread_mutex_unlock(&lock);
    *req_p = r;
    return 0;
}

/* Every fake send is buffered: "now" is a standard send, complete at once. */
int cv_send_now(const void *buf, size_t len, int dest, int tag, int ctx)
{
    cv_request_t *q;
    int err = cv_isend(buf, len, dest, tag, ctx, CV_SEND_STANDARD, &q);

    if (err < 0)
        return err;
    cv_request_free(q);
    return 1;
}

int cv_irecv(void *buf, size_t len, int source, int tag, int ctx, cv_request_t **req_p)
{
    struct cv_request *r = calloc(1, sizeof(*r)), **pp;
    struct fake_msg **mp;

    r->is_recv = 1;
    r->buf = buf;
    r->len = len;
    r->src = source;
    r->tag = tag;
    r->ctx = ctx;
    *req_p = r;
    pthread_mutex_lock(&lock);
    for (mp = &unexpected[my_rank]; *mp; mp = &(*mp)->next) {
        if (matches(source, tag, ctx, (*mp)->src, (*mp)->tag, (*mp)->ctx)) {
            struct fake_msg *m = *mp;
            *mp = m->next;
            deliver(r, m);
            pthread_mutex_unlock(&lock);
            return 0;
        }
    }
    for (pp = &posted[my_rank]; *pp; pp = &(*pp)->next)
        ;
    *pp = r;
    pthread_mutex_unlock(&lock);
    return 0;
}

int cv_test(cv_request_t *req, int *done_p, struct cv_status *st)
{
    pthread_mutex_lock(&lock);
    *done_p = req->done;
    if (req->done && st)
        *st = req->st;
    pthread_mutex_unlock(&lock);
    return 0;
}

int cv_wait(cv_request_t *req, struct cv_status *st)
{
    pthread_mutex_lock(&lock);
    while (!req->done)
        pthread_cond_wait(&cond, &lock);
    if (st)
        *st = req->st;
    pthread_mutex_unlock(&lock);
    return 0;
}

int cv_request_done(const cv_request_t *req)
{
    int d;

    pthread_mutex_lock(&lock);
    d = req->done;
    pthread_mutex_unlock(&lock);
    return d;
}

void cv_request_free(cv_request_t *req)
{
    pthread_mutex_lock(&lock);
    if (req->done)
        free(req);
    else
        req->freed = 1;
    pthread_mutex_unlock(&lock);
}

int cv_cancel(cv_request_t *req)
{
    struct cv_request **pp;
    int rc = 1;

    if (!req->is_recv)
        return -ENOTSUP;
    pthread_mutex_lock(&lock);
    for (pp = &posted[my_rank]; *pp; pp = &(*pp)->next) {
        if (*pp == req) {
            *pp = req->next;
            req->st.cancelled = 1;
            req->st.count = 0;
            complete(req);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int cv_iprobe(int source, int tag, int ctx, int *flag_p, struct cv_status *st)
{
    struct fake_msg *m;

    *flag_p = 0;
    pthread_mutex_lock(&lock);
    for (m = unexpected[my_rank]; m; m = m->next) {
        if (matches(source, tag, ctx, m->src, m->tag, m->ctx)) {
            *flag_p = 1;
            st->source = m->src;
            st->tag = m->tag;
            st->count = m->len;
            st->error = 0;
            st->cancelled = 0;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

int cv_progress(void)
{
    return 0;
}

void cv_idle(unsigned *spins)
{
    (*spins)++;
    sched_yield();
}

/* Only one process runs here: nothing preempts it (rank-migrate's calls). */
void rmig_preempt_hold(void) {}

void rmig_preempt_release(void) {}

/* ---- node calls --------------------------------------------------------- */

double knode_wtime(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int knode_get_name(char *name, size_t len)
{
    return gethostname(name, len) == 0 ? 0 : -errno;
}

void kjob_abort(int code, const char *msg)
{
    fprintf(stderr, "fake kjob_abort(%d): %s\n", code, msg);
    abort();
}

/* ---- harness ------------------------------------------------------------ */

struct fake_arg {
    int rank;
    void (*fn)(int rank, int size);
};

static void *fake_thread(void *p)
{
    struct fake_arg *a = p;

    my_rank = a->rank;
    a->fn(a->rank, nranks);
    return NULL;
}

void fake_run(int size, void (*fn)(int rank, int size))
{
    pthread_t th[FAKE_MAX_RANKS];
    struct fake_arg args[FAKE_MAX_RANKS];
    int i;

    nranks = size;
    for (i = 0; i < size; i++) {
        args[i].rank = i;
        args[i].fn = fn;
        pthread_create(&th[i], NULL, fake_thread, &args[i]);
    }
    for (i = 0; i < size; i++)
        pthread_join(th[i], NULL);
    nranks = 1;
}
