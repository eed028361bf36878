/* ua_aslr.c: address-space randomisation off, by re-executing the process once.
 *
 * Containers can only move between processes whose executable and shared
 * libraries sit at the same addresses. At start-up, if the personality lacks
 * ADDR_NO_RANDOMIZE (and the system randomises at all), we set it and
 * execv("/proc/self/exe", argv) with the same environment plus a guard
 * variable; open file descriptors (the launcher's PMI_FD...) survive exec.
 * The guard stops a loop when the flag does not stick; if anything fails we
 * carry on, and the layout is marked not migratable (the fingerprint then
 * matches nobody, so migrations are refused cleanly).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "ua_internal.h"

#define UA_REEXEC_GUARD "NMPI_UA_REEXEC"

static int ua_migratable = -1; /* -1 unknown, 0 no, 1 yes */

/* Non-zero when the kernel does not randomise addresses at all. */
static int ua_aslr_disabled_system_wide(void)
{
    FILE *f = fopen("/proc/sys/kernel/randomize_va_space", "r");
    int v = -1;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v == 0;
}

void ua_aslr_ensure(char **argv)
{
    int pers = personality(0xffffffff);
    int retried = getenv(UA_REEXEC_GUARD) != NULL;
    unsetenv(UA_REEXEC_GUARD);
    if ((pers != -1 && (pers & ADDR_NO_RANDOMIZE)) || ua_aslr_disabled_system_wide()) {
        ua_migratable = 1;
        return;
    }
    ua_migratable = 0;
    if (pers == -1 || retried) {
        ua_log("address randomisation is still on after re-exec: ranks cannot migrate");
        return;
    }
    if (personality(pers | ADDR_NO_RANDOMIZE) == -1) {
        ua_log("cannot turn address randomisation off: ranks cannot migrate");
        return;
    }
    setenv(UA_REEXEC_GUARD, "1", 1);
    fflush(NULL);
    execv("/proc/self/exe", argv);
    ua_log("re-exec without address randomisation failed: ranks cannot migrate");
    unsetenv(UA_REEXEC_GUARD);
    personality(pers);
}

int ua_layout_migratable(void)
{
    if (ua_migratable < 0) { /* start-up code did not run (not interposed) */
        int pers = personality(0xffffffff);
        ua_migratable =
            (pers != -1 && (pers & ADDR_NO_RANDOMIZE)) || ua_aslr_disabled_system_wide();
    }
    return ua_migratable;
}
