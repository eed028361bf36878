/* npb_pace.c: a pause at every iteration of an NPB kernel's timed loop (--pace).
 *
 * `--pace MS`: every rank sleeps MS milliseconds at each iteration point,
 * so that a class S run, which computes for a fraction of a second, lasts
 * long enough to be checkpointed from outside while it runs (mpiexec
 * --checkpoint-every, tests/npb/npb_ckpt_fail.sh). The pause changes no
 * result, only the timings, which the tests leave out. It sleeps in 10 ms
 * steps: a signal (a preemption tick) cuts one step short, not the pause.
 */
#include "npb_migrate.h"

#include <stdlib.h>
#include <unistd.h>

static int npb_pace_ms; /* 0: no pause */

int npb_pace_parse(const char *spec)
{
    char *end;
    long ms;

    npb_pace_ms = 0;
    if (spec == NULL)
        return 0;
    ms = strtol(spec, &end, 10);
    if (end == spec || *end != '\0' || ms < 0 || ms > 60000)
        return -1;
    npb_pace_ms = (int)ms;
    return 0;
}

void npb_pace_point(void)
{
    for (int i = 0; i < npb_pace_ms; i += 10)
        usleep(10000);
}
