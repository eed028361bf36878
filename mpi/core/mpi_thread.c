/* mpi_thread.c: the rank's lock under MPI_THREAD_MULTIPLE (mpi_thread.h).
 *
 * With mpi_init.c, the one file of mpi/ that calls uarea: it asks whether
 * the calling thread is the rank's main context (ua_rank_active) and marks
 * the application's other threads as working for the rank
 * (ua_thread_serve).
 */
#include <mpi.h>

#include "mpi_state.h"
#include "mpi_thread.h"
#include "nanvix.h"
#include "ua.h"

/* The owner name of the calling thread: 1 for the rank's main context,
 * wherever it runs, else the thread's pthread_t (never 0 or 1). */
static uintptr_t lock_self(void)
{
    return ua_rank_active() ? 1 : (uintptr_t)pthread_self();
}

void mpi_lock_init(struct mpi_lock *l)
{
    pthread_mutex_init(&l->mutex, NULL);
    l->owner = 0;
    l->depth = 0;
}

static void lock_take(struct mpi_lock *l, uintptr_t me)
{
    if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
        l->depth++;
        return;
    }
    pthread_mutex_lock(&l->mutex);
    __atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
    l->depth = 1;
}

static void lock_drop(struct mpi_lock *l)
{
    if (--l->depth > 0)
        return;
    __atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&l->mutex);
}

/* The lock to take for this call, or NULL (no MPI state yet, or a level
 * below MPI_THREAD_MULTIPLE). thread_level is written once, by
 * MPI_Init_thread, before any other thread can call MPI. */
static struct mpi_rank_state *lock_wanted(void)
{
    struct mpi_rank_state *s = mpi_state();

    return s && s->thread_level == MPI_THREAD_MULTIPLE ? s : NULL;
}

struct mpi_guard mpi_guard_enter(void)
{
    struct mpi_guard g = {NULL, -1};

    if (!ua_rank_active())
        g.served = (signed char)ua_thread_serve(1);
    g.locked = lock_wanted();
    if (g.locked)
        lock_take(&g.locked->lock, lock_self());
    return g;
}

void mpi_guard_leave(struct mpi_guard *g)
{
    if (g->locked)
        lock_drop(&g->locked->lock);
    if (g->served >= 0)
        ua_thread_serve(g->served);
}

/* knode_idle's hooks: a thread that waits inside MPI lets the others in
 * while it backs off. Only the lock's owner releases it, all levels of
 * nesting at once; the token is the depth to restore. Kernel context (a
 * container being received, the idle loop) is neither the rank's main
 * context nor working for the rank, and never touches the lock. */
static long idle_release(void)
{
    struct mpi_rank_state *s;
    long depth;

    if (!ua_rank_active() && !ua_thread_serving())
        return 0;
    s = lock_wanted();
    if (!s || __atomic_load_n(&s->lock.owner, __ATOMIC_RELAXED) != lock_self())
        return 0;
    depth = (long)s->lock.depth;
    s->lock.depth = 1;
    lock_drop(&s->lock);
    return depth;
}

static void idle_reacquire(long depth)
{
    struct mpi_rank_state *s = mpi_state();

    lock_take(&s->lock, lock_self());
    s->lock.depth = (unsigned)depth;
}

static const struct knode_idle_hooks idle_hooks = {idle_release, idle_reacquire};

__attribute__((constructor)) static void mpi_thread_register(void)
{
    knode_set_idle_hooks(&idle_hooks);
}
