/* rmig_model_file.c: where the cost model's file is, and reading it.
 *
 * The library (rmig_estimate.c, once per cluster) and the mpimigrate
 * command (--estimate) read the same file the same way, so they predict
 * the same figures: NMPI_MIGRATION_MODEL, or by default
 * ${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model, which
 * `make bench-migration` writes. Without a readable, valid file the
 * built-in figures stand in and the source text says so, and why (no file,
 * or the parser's refusal with its line number).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "rmig_model.h"

/* The file to read: the setting, or the default under the config home.
 * Returns 1 when the setting named it (a missing file is then worth a
 * warning), 0 for the default; path[0] is NUL when the name does not fit. */
static int rmig_model_path(char *path, size_t len)
{
    const char *set = base_setting("NMPI_MIGRATION_MODEL");
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int named = set != NULL && set[0] != '\0', n;

    if (named)
        n = snprintf(path, len, "%s", set);
    else if (xdg != NULL && xdg[0] != '\0')
        n = snprintf(path, len, "%s/nanvix-mpi/migration-model", xdg);
    else
        n = snprintf(path, len, "%s/.config/nanvix-mpi/migration-model", home ? home : "");
    if (n < 0 || (size_t)n >= len)
        path[0] = '\0'; /* never read a file of a cut name */
    return named;
}

/* Reads at most RMIG_MODEL_SIZE_MAX + 1 bytes of file into buf. Returns
 * the count, or -errno. */
static long rmig_model_read(const char *file, char *buf)
{
    FILE *f = file[0] != '\0' ? fopen(file, "r") : NULL;
    size_t n;

    if (file[0] == '\0')
        return -ENAMETOOLONG;
    if (f == NULL)
        return -errno;
    n = fread(buf, 1, RMIG_MODEL_SIZE_MAX + 1, f);
    if (ferror(f)) {
        fclose(f);
        return -EIO;
    }
    fclose(f);
    return (long)n;
}

int rmig_model_load(struct rmig_model *m, char *source, size_t len)
{
    char *buf = malloc(RMIG_MODEL_SIZE_MAX + 1), file[256], why[160];
    int named = rmig_model_path(file, sizeof(file));
    long n = buf ? rmig_model_read(file, buf) : -ENOMEM;

    if (n >= 0 && rmig_model_parse(buf, (size_t)n, m, why, sizeof(why)) == 0) {
        snprintf(source, len, "file %s (%s)", file,
                 m->measured[0] ? m->measured : "no measured line");
        free(buf);
        return 0;
    }
    free(buf);
    if (n < 0)
        snprintf(why, sizeof(why), "%s", strerror((int)-n));
    rmig_model_builtin(m);
    snprintf(source, len, "%s; %s: %s", m->measured, file, why);
    if (n >= 0 || named)
        base_log(BASE_LOG_WARN, "rmig", "migration model %s refused: %s; estimates use the %s",
                 file, why, m->measured);
    return 1;
}
