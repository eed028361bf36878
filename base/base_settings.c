/* base_settings.c: every setting of nanvix-mpi, declared once.
 *
 * The table below is the one list of the environment variables that the
 * library and its tools read: name, default, who reads it and what it
 * means. The library reads a setting only through base_setting*() with a
 * name from this table, so a setting cannot exist without being listed,
 * and `mpiexec --settings` (nmpi-info) prints exactly what the code uses.
 * Written by hand, not generated: a plain array is what grep finds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* Sorted by name (base_setting_find relies on it; a unit test checks). */
static const struct base_setting base_table[] = {
    {"FI_PROVIDER", "", "library",
     "libfabric provider between clusters; unset: shm between clusters of one host and "
     "\"tcp;ofi_rxm\" between hosts, both in one job (set for the whole job)"},
    {"NMPI_BIND", "auto", "library",
     "auto: each cluster bound to core (cluster mod cores) when the ranks fit on the cores; "
     "core: always; none: never (set for the whole job)"},
    {"NMPI_CC", "", "mpicc", "C compiler to wrap (default: the one configure found)"},
    {"NMPI_CMA", "1", "library",
     "0: portal transfers between clusters of one host go through libfabric instead of "
     "process_vm_writev (set for the whole job)"},
    {"NMPI_EAGER_LIMIT", "65536", "library",
     "largest message payload, in bytes, sent eagerly through the mailboxes (at most the "
     "default, the compiled-in limit); longer ones go by rendezvous (RTS, CTS, kernel copy)"},
    {"NMPI_HEAP_HUGEPAGES", "0", "library",
     "1: transparent huge pages for heap blocks of 2 MiB and more, and for the big runs of "
     "an arriving container"},
    {"NMPI_HYDRA", "", "mpiexec",
     "the Hydra launcher to run (default: the mpiexec.hydra configure found)"},
    {"NMPI_JOB_CANARY", "", "library", "set by mpiexec: the job's random identifier"},
    {"NMPI_JOB_DIR", "", "library",
     "set by mpiexec: this job's directory (request sockets of mpimigrate)"},
    {"NMPI_KEEPER", "0", "library",
     "set by mpiexec: 1 makes each process fork a keeper parent, so that Hydra does not end "
     "the job when a cluster is killed"},
    {"NMPI_LOG", "warn", "library", "most detailed log level printed: error, warn, info, debug"},
    {"NMPI_MIGRATE_KEEP_PAGES", "1", "library",
     "0: a cluster a rank left drops its pages at once instead of keeping them for the next "
     "arrival"},
    {"NMPI_MIGRATE_TIMEOUT", "60", "library",
     "seconds a migration may wait for its peer before it is abandoned"},
    {"NMPI_MIGRATION_AUTO_LOAD", "auto", "library",
     "NMPI_MIGRATION_MODE=auto: the host's runnable threads per CPU the predicted pause is "
     "multiplied by (auto: counted when the move is asked; 1: as on an idle host)"},
    {"NMPI_MIGRATION_AUTO_MS", "10", "library",
     "NMPI_MIGRATION_MODE=auto: the largest stop-and-copy pause (ms, as the cost model predicts "
     "it) a move takes before it goes pre-copy"},
    {"NMPI_MIGRATION_DIR", "", "library",
     "directory of the image files of moves through a checkpoint (default: the job directory, "
     "else /tmp); both ends of a move must reach it under this path"},
    {"NMPI_MIGRATION_KEEP_IMAGE", "0", "library",
     "1: keep the image file of each move through a checkpoint (for study)"},
    {"NMPI_MIGRATION_MODE", "auto", "library",
     "auto: stop-and-copy when the cost model predicts a pause of at most "
     "NMPI_MIGRATION_AUTO_MS or the destination is on another host, else precopy; "
     "stop (or live): moves stream the container with the rank frozen; precopy: rounds sent "
     "while the rank runs, then a short stop-and-copy of what it wrote meanwhile; postcopy: "
     "the rank resumed at once with its header, stack and globals, its heap pulled after; "
     "checkpoint: through an image file in NMPI_MIGRATION_DIR (MPI_Migrateto, MPIX_Migrate, "
     "mpimigrate without --via-checkpoint)"},
    {"NMPI_MIGRATION_MODEL", "", "library",
     "the migration cost model file (make bench-migration writes it; default "
     "${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model; none: built-in figures)"},
    {"NMPI_MIGRATION_REPORT", "0", "library", "1: print each move's figures (and failures)"},
    {"NMPI_MPICH_INCDIR", "", "mpicc", "directory of MPICH's mpi.h (default from configure)"},
    {"NMPI_MPIEXEC_SHOW", "0", "mpiexec", "1: print the Hydra command line instead of running it"},
    {"NMPI_NO_PROGRAM_CHECK", "0", "mpiexec", "1: do not look the program up before launching"},
    {"NMPI_NRANKS", "", "library", "set by mpiexec: number of ranks"},
    {"NMPI_PRECOPY_BUDGET", "2", "library",
     "pre-copy moves: all rounds and the stop round send at most about this many times the "
     "container (0: no limit); rounds stop early to keep to it"},
    {"NMPI_PRECOPY_ROUNDS", "30", "library",
     "pre-copy moves: rounds after the first at most, before the stop-and-copy of the rest"},
    {"NMPI_PRECOPY_STOP_KIB", "1024", "library",
     "pre-copy moves: a set of written pages this small (KiB) is left to the stop-and-copy"},
    {"NMPI_PREEMPT_MS", "10", "library",
     "preemption tick in ms: a rank computing outside MPI moves within about a tick of a "
     "request; 0: only inside MPI calls"},
    {"NMPI_RESTART_DIR", "", "library",
     "set by mpiexec --restart: the checkpoint directory every rank resumes from"},
    {"NMPI_RUN_DIR", "", "mpiexec, mpimigrate",
     "where job directories are made and looked for (default "
     "${XDG_RUNTIME_DIR:-/tmp}/nmpi-<uid>)"},
    {"NMPI_SHM", "1", "library",
     "0: mailbox messages between clusters of one host go through libfabric instead of the "
     "shared-memory rings"},
    {"NMPI_SPARES", "0", "library", "set by mpiexec: number of spare clusters"},
    {"NMPI_STACK_CANARY", "", "library",
     "set by mpiexec --restart: the stack-protector canary of the checkpointed job (its ranks' "
     "saved frames carry it); unset: NMPI_JOB_CANARY's"},
    {"NMPI_TEST_CORRUPT_IMAGE", "", "library (tests)",
     "1: flip a byte of every image a move through a checkpoint writes; first: of cluster 0's "
     "first one only"},
    {"NMPI_TEST_LOST_AT", "", "library (tests)",
     "begin:<cluster>: that cluster kills itself when a move's container is about to reach it"},
    {"NMPI_TEST_LOST_SIGNAL", "1", "library (tests)",
     "0: Hydra's notice that a cluster died (SIGUSR1) is ignored, so that only the probe of a "
     "peer waited on finds the loss"},
    {"NMPI_TEST_POSTCOPY_HOLD_MS", "0", "library (tests)",
     "a post-copy destination's background pull starts that many ms after the rank resumed"},
    {"NMPI_TEST_STREAM_FAULT", "", "library (tests)",
     "damage container streams on purpose: corrupt, range, short, trunc (-first: cluster 0's "
     "first stream only)"},
    {"NP_PORTAL_CHUNK", "", "library (tests)",
     "largest fabric message of a portal transfer, in bytes (to test chunking)"},
};

#define BASE_NSETTINGS ((int)(sizeof(base_table) / sizeof(base_table[0])))

const struct base_setting *base_settings(int *n_p)
{
    *n_p = BASE_NSETTINGS;
    return base_table;
}

static int base_setting_cmp(const void *key, const void *entry)
{
    return strcmp(key, ((const struct base_setting *)entry)->name);
}

const struct base_setting *base_setting_find(const char *name)
{
    return bsearch(name, base_table, BASE_NSETTINGS, sizeof(base_table[0]), base_setting_cmp);
}

const char *base_setting(const char *name)
{
    const struct base_setting *s = base_setting_find(name);
    const char *v;

    if (s == NULL) {
        base_log(BASE_LOG_ERROR, "base", "setting %s is read but not declared", name);
        return NULL;
    }
    v = getenv(name);
    return v != NULL && *v != '\0' ? v : s->dflt;
}

/* Warns that `name` has a value it cannot take; returns its default. */
static const char *base_setting_refused(const char *name, const char *v)
{
    const char *d = base_setting_find(name)->dflt;

    base_log(BASE_LOG_WARN, "base", "%s=%s is not valid here; using %s", name, v, d);
    return d;
}

long base_setting_long(const char *name, long min, long max)
{
    const char *v = base_setting(name);
    char *end;
    long x;

    if (v == NULL)
        return min;
    errno = 0;
    x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno != 0 || x < min || x > max)
        x = strtol(base_setting_refused(name, v), NULL, 10);
    return x;
}

double base_setting_double(const char *name, double min, double max)
{
    const char *v = base_setting(name);
    char *end;
    double x;

    if (v == NULL)
        return min;
    errno = 0;
    x = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || errno != 0 || !(x >= min && x <= max))
        x = strtod(base_setting_refused(name, v), NULL);
    return x;
}

int base_setting_on(const char *name)
{
    const char *v = base_setting(name);

    return v != NULL && strcmp(v, "0") != 0;
}
