/* ua_preload.c: the container's start-up whatever the library's place in
 * the load order, by re-executing the process once with the library
 * preloaded.
 *
 * The container is made by our __libc_start_main (ua_start.c), which the
 * executable's _start reaches only if the library comes before libc in the
 * lookup order. That holds for programs linked with -lmpi (our mpicc), but
 * not when the library is a dependency of a dependency: a Fortran program
 * built by mpif90.mpich needs libmpichfort.so.12, libgfortran and libc, and
 * libmpichfort needs libmpich.so.12 (us), which is loaded after libc
 * (breadth-first), so libc's __libc_start_main and malloc win, no container
 * is made and MPI_Init fails.
 *
 * A constructor notices it before _start runs: when the first
 * __libc_start_main in the global scope is not in this library and the
 * process was started by a launcher (PMI_FD set: it is an MPI job, not a
 * program that happens to load us), it sets LD_PRELOAD to this library's own
 * path (dladdr: the copy actually loaded, never another one), turns address
 * randomisation off on the way (saving ua_aslr.c's own re-exec) and
 * execs /proc/self/exe with the same arguments and environment; the
 * launcher's descriptors survive exec. In the new process the constructor
 * finds itself first and puts LD_PRELOAD back as it was, so the program's
 * own children do not inherit the preload. NMPI_UA_PRELOAD guards against a
 * loop (an internal handshake, like ua_aslr.c's, not a setting).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "ua_internal.h"

#define UA_PRELOAD_GUARD "NMPI_UA_PRELOAD"       /* set across the re-exec */
#define UA_PRELOAD_SAVED "NMPI_UA_PRELOAD_SAVED" /* the LD_PRELOAD it replaced */

/* Non-zero when the executable's _start will reach our __libc_start_main:
 * the first definition in the global scope lies in this object. */
static int ua_preload_first(void)
{
    Dl_info self, first;
    void *f = dlsym(RTLD_DEFAULT, "__libc_start_main");

    if (!f || !dladdr(f, &first) || !dladdr((void *)ua_preload_first, &self))
        return 1; /* cannot tell: leave the process alone */
    return first.dli_fbase == self.dli_fbase;
}

/* In the re-executed process: LD_PRELOAD back to what the launcher gave. */
static void ua_preload_restore(void)
{
    const char *saved = getenv(UA_PRELOAD_SAVED);

    if (saved)
        setenv("LD_PRELOAD", saved, 1);
    else
        unsetenv("LD_PRELOAD");
    unsetenv(UA_PRELOAD_SAVED);
    unsetenv(UA_PRELOAD_GUARD);
}

/* Re-executes the process with this library first in LD_PRELOAD; returns
 * only if that fails (environment and personality put back). */
static void ua_preload_reexec(char **argv)
{
    Dl_info self;
    const char *old = getenv("LD_PRELOAD");
    char *value;
    int pers = personality(0xffffffff);

    if (!dladdr((void *)ua_preload_reexec, &self) || !self.dli_fname || !self.dli_fname[0]) {
        ua_log("cannot find the library's own path to preload it: rank not movable");
        return;
    }
    if (asprintf(&value, "%s%s%s", self.dli_fname, old ? " " : "", old ? old : "") < 0)
        return;
    if (old)
        setenv(UA_PRELOAD_SAVED, old, 1);
    setenv(UA_PRELOAD_GUARD, "1", 1);
    setenv("LD_PRELOAD", value, 1);
    free(value);
    if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE))
        personality(pers | ADDR_NO_RANDOMIZE);
    fflush(NULL);
    execv("/proc/self/exe", argv);
    ua_log("re-exec with %s preloaded failed: rank not movable", self.dli_fname);
    if (pers != -1)
        personality(pers);
    ua_preload_restore();
}

/* glibc hands ELF constructors the program's argc, argv and envp. */
__attribute__((constructor)) static void ua_preload_ensure(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)envp;

    if (ua_preload_first()) {
        if (getenv(UA_PRELOAD_GUARD))
            ua_preload_restore();
        return;
    }
    if (!getenv("PMI_FD"))
        return;
    if (getenv(UA_PRELOAD_GUARD)) {
        ua_log("libc's start-up still comes first with the library preloaded: rank not movable");
        ua_preload_restore();
        return;
    }
    ua_preload_reexec(argv);
}
