/* rmig_precopy_sender.h: the thread that sends a pre-copy move's rounds
 * while the rank runs (private to rank-migrate; issue 15 item 1; why a
 * thread: rmig_precopy.c). */
#ifndef RMIG_PRECOPY_SENDER_H
#define RMIG_PRECOPY_SENDER_H

#include <stdatomic.h>

/* One job: runs in the sender thread; returns 0 or a negative errno; reads
 * *cancel between steps and returns -ECANCELED soon after it turns
 * non-zero (rmig_precopy_job.cancel). */
typedef int (*rmig_precopy_work_fn)(void *arg, const atomic_int *cancel);

/* Starts the sender thread, idle until a job comes. To be called in
 * kernel context (at boot, like the preemption ticker): a thread started
 * by rank code would count as the rank's (ua_threads.c: such a rank cannot
 * move) and would allocate in the container it copies. Returns 0 (also
 * when it runs already) or a negative errno. */
int rmig_precopy_sender_start(void);

/* Hands the thread a job. Returns 0, -ENOTCONN (not started), -EBUSY (a
 * job runs, or its result was not taken yet). */
int rmig_precopy_sender_submit(rmig_precopy_work_fn fn, void *arg);

/* Never blocks: 1 while the job runs; 0 once it ended, with its result in
 * *result, the sender then free for the next one; -ENOENT without a job. */
int rmig_precopy_sender_poll(int *result);

/* Asks the running job to stop (it returns -ECANCELED at its next step). */
void rmig_precopy_sender_cancel(void);

/* Blocks until the job ends; returns its result (the sender then free), or
 * -ENOENT without a job. */
int rmig_precopy_sender_wait(void);

/* Cancels any job, waits for it, ends the thread (end of the job; tests). */
void rmig_precopy_sender_stop(void);

#endif /* RMIG_PRECOPY_SENDER_H */
