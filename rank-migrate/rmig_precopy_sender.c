/* rmig_precopy_sender.c: the thread that sends a pre-copy move's rounds.
 *
 * One per cluster process, runtime state (like the preemption ticker's):
 * started idle in kernel context, it waits on a condition variable for a
 * job; the rank hands it one (the rounds of its move, with the stream's
 * send function) and goes back to its computation; at its safe points it
 * polls, and once the job has ended, it freezes for the stop round, or,
 * when the job failed, simply carries on where it is. Jobs never overlap:
 * a cluster runs one rank and a rank makes one move at a time. Cancelling
 * (the job ends, the move is given up) is a flag the job reads between its
 * steps, so the thread never dies in the middle of a portal call (which
 * holds nanvix-port's lock).
 */
#include <errno.h>
#include <pthread.h>

#include "rmig_precopy_sender.h"

enum rmig_sender_state { RMIG_SENDER_IDLE, RMIG_SENDER_RUNNING, RMIG_SENDER_ENDED };

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* state changes, both ways */
    pthread_t thread;
    int started, quit;
    enum rmig_sender_state state;
    rmig_precopy_work_fn fn;
    void *arg;
    int result;
    atomic_int cancel;
} rmig_sender = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *rmig_sender_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&rmig_sender.lock);
    for (;;) {
        while (!rmig_sender.quit && !(rmig_sender.state == RMIG_SENDER_RUNNING && rmig_sender.fn))
            pthread_cond_wait(&rmig_sender.cond, &rmig_sender.lock);
        if (rmig_sender.quit)
            break;
        rmig_precopy_work_fn fn = rmig_sender.fn;
        void *arg = rmig_sender.arg;

        rmig_sender.fn = NULL;
        pthread_mutex_unlock(&rmig_sender.lock);
        int result = fn(arg, &rmig_sender.cancel);
        pthread_mutex_lock(&rmig_sender.lock);
        rmig_sender.result = result;
        rmig_sender.state = RMIG_SENDER_ENDED;
        pthread_cond_broadcast(&rmig_sender.cond);
    }
    pthread_mutex_unlock(&rmig_sender.lock);
    return NULL;
}

int rmig_precopy_sender_start(void)
{
    int ret = 0;

    pthread_mutex_lock(&rmig_sender.lock);
    if (!rmig_sender.started) {
        rmig_sender.quit = 0;
        rmig_sender.state = RMIG_SENDER_IDLE;
        ret = -pthread_create(&rmig_sender.thread, NULL, rmig_sender_main, NULL);
        rmig_sender.started = ret == 0;
    }
    pthread_mutex_unlock(&rmig_sender.lock);
    return ret;
}

int rmig_precopy_sender_submit(rmig_precopy_work_fn fn, void *arg)
{
    int ret = 0;

    pthread_mutex_lock(&rmig_sender.lock);
    if (!rmig_sender.started)
        ret = -ENOTCONN;
    else if (rmig_sender.state != RMIG_SENDER_IDLE)
        ret = -EBUSY;
    else {
        atomic_store(&rmig_sender.cancel, 0);
        rmig_sender.fn = fn;
        rmig_sender.arg = arg;
        rmig_sender.state = RMIG_SENDER_RUNNING;
        pthread_cond_broadcast(&rmig_sender.cond);
    }
    pthread_mutex_unlock(&rmig_sender.lock);
    return ret;
}

/* With the lock held: the ended job's result, the sender idle again. */
static int rmig_sender_reap(void)
{
    rmig_sender.state = RMIG_SENDER_IDLE;
    return rmig_sender.result;
}

int rmig_precopy_sender_poll(int *result)
{
    int ret;

    pthread_mutex_lock(&rmig_sender.lock);
    if (rmig_sender.state == RMIG_SENDER_IDLE)
        ret = -ENOENT;
    else if (rmig_sender.state == RMIG_SENDER_RUNNING)
        ret = 1;
    else {
        *result = rmig_sender_reap();
        ret = 0;
    }
    pthread_mutex_unlock(&rmig_sender.lock);
    return ret;
}

void rmig_precopy_sender_cancel(void)
{
    atomic_store(&rmig_sender.cancel, 1);
}

int rmig_precopy_sender_wait(void)
{
    int ret;

    pthread_mutex_lock(&rmig_sender.lock);
    while (rmig_sender.state == RMIG_SENDER_RUNNING)
        pthread_cond_wait(&rmig_sender.cond, &rmig_sender.lock);
    ret = rmig_sender.state == RMIG_SENDER_ENDED ? rmig_sender_reap() : -ENOENT;
    pthread_mutex_unlock(&rmig_sender.lock);
    return ret;
}

void rmig_precopy_sender_stop(void)
{
    pthread_mutex_lock(&rmig_sender.lock);
    int started = rmig_sender.started;
    pthread_mutex_unlock(&rmig_sender.lock);
    if (!started)
        return;
    rmig_precopy_sender_cancel();
    rmig_precopy_sender_wait();
    pthread_mutex_lock(&rmig_sender.lock);
    rmig_sender.quit = 1;
    pthread_cond_broadcast(&rmig_sender.cond);
    pthread_mutex_unlock(&rmig_sender.lock);
    pthread_join(rmig_sender.thread, NULL);
    pthread_mutex_lock(&rmig_sender.lock);
    rmig_sender.started = 0;
    pthread_mutex_unlock(&rmig_sender.lock);
}
