/* nmpi_info.c: the nmpi-info command: what this nanvix-mpi installation is.
 *
 *   nmpi-info [--settings | --version]
 *
 * --settings prints the table of settings (base_settings.c): every
 * environment variable the library and its tools read, its default, who
 * reads it and what it means, with the value this environment gives it
 * when it is set. `mpiexec --settings` runs this. It links only the base
 * library, so it answers without starting a job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

static void nmpi_info_settings(void)
{
    int n, i;
    const struct base_setting *s = base_settings(&n);

    printf("%-24s %-8s %-20s %s\n", "setting", "default", "used by", "meaning");
    for (i = 0; i < n; i++) {
        const char *v = getenv(s[i].name);

        printf("%-24s %-8s %-20s %s\n", s[i].name, *s[i].dflt ? s[i].dflt : "-", s[i].used_by,
               s[i].meaning);
        if (v != NULL && *v != '\0')
            printf("%-24s %-8s %-20s (set here: %s)\n", "", "", "", v);
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--settings") == 0) {
        nmpi_info_settings();
        return 0;
    }
    if (argc == 1 || (argc == 2 && strcmp(argv[1], "--version") == 0)) {
        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return 0;
    }
    fprintf(stderr, "Usage: nmpi-info [--settings | --version]\n");
    return 1;
}
