/* mpi_thread.h: MPI_THREAD_MULTIPLE - one lock per rank around every MPI call.
 *
 * Every exported entry point of mpi/ opens with MPI_THREAD_GUARD() (checked
 * by tests/lint/thread_guard.sh). When the rank asked for
 * MPI_THREAD_MULTIPLE, the guard takes the rank's lock, recursively (an MPI
 * call may call others, and a callback the application gets from inside MPI
 * may call MPI again on the same thread), and a cleanup attribute drops it
 * on every return path. A thread blocked in an MPI wait hands the lock over
 * while it backs off (nanvix-port's idle hooks, registered below), so other
 * threads of the rank progress meanwhile; the lock is taken again before
 * anything is touched. Below MPI_THREAD_MULTIPLE the guard takes no lock.
 *
 * Why one lock and not finer ones: comm-virt and the migration layer below
 * were written for one thread; a single lock makes them safe at the cost of
 * concurrency inside MPI, which two-core machines would not use anyway.
 *
 * The lock lives in the rank's root object, so it travels with the rank.
 * Its owner is named so that the name means the same on every cluster: 1 for
 * the rank's own context (the main thread of whichever cluster hosts it),
 * the thread's pthread_t for the application's other threads. A rank moves
 * only while no thread of its own runs (ua_rank_threads()), so a lock held
 * across a move is always held by owner 1.
 *
 * A thread of the application that is not the rank's main context is also
 * marked, for the duration of the call, as working for the rank
 * (ua_thread_serve): what MPI allocates for it then comes from the
 * container, so a request or communicator it created still moves with the
 * rank once the thread is gone.
 */
#ifndef MPI_THREAD_H
#define MPI_THREAD_H

#include <pthread.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

struct mpi_rank_state;

/* The rank's lock (in struct mpi_rank_state). */
struct mpi_lock {
    pthread_mutex_t mutex;
    uintptr_t owner; /* 0: free; 1: the rank's main context; else a pthread_t */
    unsigned depth;  /* nesting of the owner's guards */
};

/* What one guard did, undone when it goes out of scope. */
struct mpi_guard {
    struct mpi_rank_state *locked; /* the state whose lock it took, or NULL */
    signed char served;            /* previous ua_thread_serve() value, or -1 */
};

struct mpi_guard mpi_guard_enter(void);
void mpi_guard_leave(struct mpi_guard *g);

#define MPI_THREAD_GUARD()                                                                         \
    struct mpi_guard mpi_thread_guard_ __attribute__((cleanup(mpi_guard_leave), unused)) =         \
        mpi_guard_enter()

/* Sets up s's lock (MPI_Init). */
void mpi_lock_init(struct mpi_lock *l);

#pragma GCC visibility pop

#endif /* MPI_THREAD_H */
