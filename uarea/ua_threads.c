/* ua_threads.c: the threads an application starts, counted.
 *
 * A rank's threads other than its main context cannot move: their stacks
 * and thread-local storage are outside the container, in the cluster
 * process. So the migration layer must know whether the rank runs any, and
 * refuse to move it while it does (ua_rank_threads()). No kernel interface
 * tells which threads of a process are the application's (the runtime's
 * ticker, libfabric's progress threads and the application's all look the
 * same in /proc), so the library interposes pthread_create, as it does
 * __libc_start_main and malloc, and counts the threads started by rank code
 * or by a thread so started, until their start routine returns or they call
 * pthread_exit (a cleanup handler counts those too). Threads the runtime
 * starts in kernel context, or that a kernel call starts (knode_in_kernel),
 * are not counted.
 *
 * What an application thread allocates comes from the container, as for
 * the rank's main context: a buffer a thread filled, or a request it posted
 * in MPI, is the rank's and must move with it once the thread has ended.
 * (A thread the library did not see start, calling MPI, is marked for the
 * span of the call by the MPI layer: ua_thread_serve.) The container
 * allocator's lock (ua_alloc.c) already serialises every thread that uses
 * it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ua_internal.h"

__thread int ua_tls_serving __attribute__((tls_model("initial-exec")));
__thread int ua_tls_app_thread __attribute__((tls_model("initial-exec")));

static atomic_int ua_threads_live;

typedef int (*ua_pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

struct ua_thread_start {
    void *(*fn)(void *);
    void *arg;
};

static void ua_thread_gone(void *unused)
{
    (void)unused;
    atomic_fetch_sub(&ua_threads_live, 1);
}

static void *ua_thread_main(void *p)
{
    struct ua_thread_start st = *(struct ua_thread_start *)p;
    void *ret;

    __libc_free(p);
    ua_tls_app_thread = 1;
    pthread_cleanup_push(ua_thread_gone, NULL);
    ret = st.fn(st.arg);
    pthread_cleanup_pop(1);
    return ret;
}

/* Non-zero when the calling thread is the application's: rank code on the
 * main thread, or a thread it started. */
static int ua_caller_is_application(void)
{
    return ua_tls_app_thread || (ua_tls_rank_active && !knode_in_kernel());
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static ua_pthread_create_fn libc_create;
    struct ua_thread_start *st;
    int err;

    if (!libc_create)
        libc_create = (ua_pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
    if (!libc_create)
        return EAGAIN;
    if (!ua_caller_is_application())
        return libc_create(thread, attr, fn, arg);
    st = __libc_malloc(sizeof(*st)); /* freed by the new thread */
    if (!st)
        return EAGAIN;
    st->fn = fn;
    st->arg = arg;
    atomic_fetch_add(&ua_threads_live, 1); /* before it can run, or exit */
    err = libc_create(thread, attr, ua_thread_main, st);
    if (err) {
        atomic_fetch_sub(&ua_threads_live, 1);
        __libc_free(st);
    }
    return err;
}

int ua_rank_threads(void)
{
    return atomic_load(&ua_threads_live);
}

int ua_thread_serve(int on)
{
    int was = ua_tls_serving;

    ua_tls_serving = on;
    return was;
}

int ua_thread_serving(void)
{
    return ua_tls_serving;
}
