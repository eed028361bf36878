/* ua_start.c: process start-up: the interposed __libc_start_main, which makes
 * the application's main run on the container stack.
 *
 * The executable's _start calls __libc_start_main; ours is found first (the
 * library precedes libc in the link order, or is linked into the executable)
 * and first gives the thread a job-wide stack-protector canary: the rank's
 * frames, saved on the container stack, are later checked against the canary
 * of whatever process resumes them, so every process of a job must share it.
 * It comes from NMPI_JOB_CANARY (hex; the launcher should pick a random one
 * per job) or else a fixed constant; a job restarted from a checkpoint
 * keeps the checkpointed job's, NMPI_STACK_CANARY, since the frames in its
 * images carry that one. This function is compiled without stack
 * protector and creates no frame that returns across the change.
 *
 * Then glibc's own __libc_start_main (dlsym RTLD_NEXT) initialises libc and
 * calls ua_start_main() in place of main, in kernel context: re-exec without
 * ASLR if needed, runtime-owned stdio buffers, the region, the boot hooks,
 * and finally the first switch into the rank.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ua_internal.h"

#define UA_CANARY_DEFAULT 0x6e4d5049636e7200ULL /* low byte 0, like glibc's */

typedef int (*ua_main_fn)(int, char **, char **);
typedef int (*ua_libc_start_fn)(ua_main_fn, int, char **, void (*)(void), void (*)(void),
                                void (*)(void), void *);

static ua_main_fn ua_app_main;
static char ua_stdout_buf[BUFSIZ]; /* runtime-owned, so stdio never allocates */
static char ua_stdin_buf[BUFSIZ];  /* its buffers in a container */

/* Hex digits of s (stops at the first non-hex character). */
__attribute__((no_stack_protector)) static uint64_t ua_parse_hex(const char *s)
{
    uint64_t v = 0;
    for (;; s++) {
        int d = *s >= '0' && *s <= '9'   ? *s - '0'
                : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
                                         : -1;
        if (d < 0)
            return v;
        v = v << 4 | (uint64_t)d;
    }
}

/* The value of setting `key` ("NAME=") in envp as a canary, or 0 when
 * unset (read directly: libc is not initialised yet). */
__attribute__((no_stack_protector)) static uint64_t ua_env_canary(char **envp, const char *key)
{
    for (; *envp; envp++) {
        int i = 0;
        while (key[i] && (*envp)[i] == key[i])
            i++;
        if (!key[i]) {
            const char *v = *envp + i;
            if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
                v += 2;
            return ua_parse_hex(v) & ~0xffULL;
        }
    }
    return 0;
}

/* The stack canary: NMPI_STACK_CANARY in a job restarted from a checkpoint
 * (the old job's: the saved frames carry it), else the job canary. */
__attribute__((no_stack_protector)) static uint64_t ua_job_canary(char **envp)
{
    uint64_t c = ua_env_canary(envp, "NMPI_STACK_CANARY=");

    if (c == 0)
        c = ua_env_canary(envp, "NMPI_JOB_CANARY=");
    return c ? c : UA_CANARY_DEFAULT;
}

uint64_t ua_stack_canary(void)
{
    uint64_t c;

    __asm__ volatile("movq %%fs:0x28, %0" : "=r"(c));
    return c;
}

static void ua_stdio_setup(void)
{
    fflush(NULL);
    setvbuf(stdin, ua_stdin_buf, _IOFBF, sizeof(ua_stdin_buf));
    setvbuf(stdout, ua_stdout_buf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, sizeof(ua_stdout_buf));
    setvbuf(stderr, NULL, _IONBF, 0);
}

/* Replaces main: kernel context, libc initialised, constructors run. */
static int ua_start_main(int argc, char **argv, char **envp)
{
    const struct ua_boot_hooks *hooks = ua_boot_hooks_get();
    ua_aslr_ensure(argv);
    kjob_keeper_start();
    kjob_shm_guard_start();
    ua_main_thread_pointer = (uintptr_t)__builtin_thread_pointer();
    ua_stdio_setup();
    int rc = ua_region_map();
    if (rc < 0) {
        ua_log("cannot reserve the container region at %#lx (%d): rank not movable", UA_REGION_BASE,
               rc);
        return ua_app_main(argc, argv, envp);
    }
    int hosts = hooks->cluster_boot ? hooks->cluster_boot() : 1;
    if (hosts < 0) {
        ua_log("cluster boot failed (%d)", hosts);
        return 1;
    }
    if (hosts) {
        rc = ua_container_create((void *)ua_app_main, argc, argv, envp);
        if (rc < 0) {
            ua_log("cannot create the container (%d)", rc);
            return 1;
        }
        ua_rank_resume(); /* returns once the rank suspended */
    }
    return ua_kernel_idle();
}

__attribute__((no_stack_protector)) int __libc_start_main(ua_main_fn main, int argc, char **argv,
                                                          void (*init)(void), void (*fini)(void),
                                                          void (*rtld_fini)(void), void *stack_end)
{
    uint64_t canary = ua_job_canary(argv + argc + 1);
    __asm__ volatile("movq %0, %%fs:0x28" : : "r"(canary) : "memory");
    ua_libc_start_fn real = (ua_libc_start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    if (!real) {
        static const char msg[] = "uarea: libc's __libc_start_main not found\n";
        ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)n;
        _exit(127);
    }
    ua_app_main = main;
    return real(ua_start_main, argc, argv, init, fini, rtld_fini, stack_end);
}
