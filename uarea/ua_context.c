/* ua_context.c: switching between kernel context and rank context, and the
 * boot hooks that decide what the kernel context does.
 *
 * Each process keeps one "kernel context" (ua_kernel_ctx, a static of the
 * runtime that never moves): the original stack of its main thread. The rank
 * context lives in the uarea header (rank_ctx) and runs on the container
 * stack. Switches use swapcontext: ua_rank_resume() saves the kernel context
 * and enters the rank; ua_rank_suspend() saves the rank and returns to
 * whatever kernel context the *current* process saved last, which after a
 * migration is the destination's. The rank's first entry is a trampoline
 * (prepared with makecontext) that calls the application's main and, when it
 * returns, records the status in the header and jumps back to the kernel
 * context, which then calls the rank_exit hook and exits.
 *
 * What of the CPU state a switch carries: swapcontext saves and restores the
 * callee-saved registers, the signal mask, MXCSR and the x87 control word -
 * everything the ABI says survives a call. The vector registers do not
 * survive a call, but their *upper halves' state* does matter: if kernel
 * code of the destination leaves the AVX upper state dirty, every legacy
 * SSE instruction of the resumed rank pays a transition penalty (Intel
 * before Ice Lake) or a false dependency, and a rank that uses no 256-bit
 * code never cleans it - it computes several times slower after the move.
 * So a resumed rank clears the upper halves first (ua_clean_vector_state).
 * A rank frozen inside the preemption signal handler needs nothing more:
 * its sigreturn restores the whole xsave image the signal saved.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_internal.h"

__thread int ua_tls_rank_active __attribute__((tls_model("initial-exec")));

static ucontext_t ua_kernel_ctx;      /* per process, never moves */
static struct ua_boot_hooks ua_hooks; /* per process, set by constructors */

void ua_set_boot_hooks(const struct ua_boot_hooks *hooks)
{
    if (hooks)
        ua_hooks = *hooks;
    else
        memset(&ua_hooks, 0, sizeof(ua_hooks));
}

const struct ua_boot_hooks *ua_boot_hooks_get(void)
{
    return &ua_hooks;
}

/* Marks the AVX upper halves clean (vzeroupper) where the CPU has AVX;
 * the vector registers themselves are dead at a switch (caller-saved). */
#if defined(__x86_64__)
__attribute__((target("avx"))) static void ua_vzeroupper(void)
{
    __builtin_ia32_vzeroupper();
}

static void ua_clean_vector_state(void)
{
    if (__builtin_cpu_supports("avx"))
        ua_vzeroupper();
}
#else
static void ua_clean_vector_state(void) {}
#endif

int ua_rank_active(void)
{
    return ua_tls_rank_active;
}

int ua_rank_suspended(void)
{
    struct ua_header *h = ua_header_get();
    return h && h->state == UA_STATE_SUSPENDED;
}

/* First code of the rank, on the container stack. Never returns. */
static void ua_rank_trampoline(void)
{
    struct ua_header *h = ua_header_get();
    int (*app_main)(int, char **, char **) = (int (*)(int, char **, char **))h->app_main;
    int status = app_main(h->argc, h->argv, h->envp);
    h = ua_header_get(); /* same address, maybe another process now */
    h->exit_status = status;
    h->state = UA_STATE_EXITED;
    ua_tls_rank_active = 0;
    setcontext(&ua_kernel_ctx);
    abort(); /* setcontext does not return */
}

void ua_context_prepare(struct ua_header *h)
{
    getcontext(&h->rank_ctx);
    h->rank_ctx.uc_stack.ss_sp = (void *)h->stack_lo;
    h->rank_ctx.uc_stack.ss_size = h->stack_hi - h->stack_lo;
    h->rank_ctx.uc_link = NULL;
    makecontext(&h->rank_ctx, ua_rank_trampoline, 0);
    h->state = UA_STATE_NEW;
}

/* Kernel context, after main returned: the rank_exit hook, then exit. */
static void ua_rank_finish(struct ua_header *h)
{
    int status = h->exit_status;
    if (ua_hooks.rank_exit)
        status = ua_hooks.rank_exit(status);
    exit(status);
}

void ua_rank_resume(void)
{
    struct ua_header *h = ua_header_get();
    assert(h && !ua_tls_rank_active);
    assert(h->state == UA_STATE_SUSPENDED || h->state == UA_STATE_NEW);
    h->state = UA_STATE_RUNNING;
    h->nswitches++;
    ua_tls_rank_active = 1;
    swapcontext(&ua_kernel_ctx, &h->rank_ctx);
    ua_tls_rank_active = 0;
    if (h->state == UA_STATE_EXITED)
        ua_rank_finish(h);
}

void ua_rank_suspend(void)
{
    struct ua_header *h = ua_header_get();
    assert(h && ua_tls_rank_active);
    fflush(NULL); /* buffered output belongs to this cluster: emit it here */
    h->state = UA_STATE_SUSPENDED;
    ua_tls_rank_active = 0;
    swapcontext(&h->rank_ctx, &ua_kernel_ctx);
    ua_clean_vector_state(); /* after the kernel context's code, before the rank's */
    ua_tls_rank_active = 1;  /* resumed, here or in another process */
}

int ua_kernel_idle(void)
{
    if (ua_hooks.spare_loop)
        return ua_hooks.spare_loop();
    while (ua_rank_suspended())
        ua_rank_resume();
    return 0;
}
