/* info_env.c: what MPI_Info_create_env and MPI_INFO_ENV report.
 *
 * The keys MPI reserves for the start-up environment that this library can
 * answer: "command" (argv[0]), "argv" (the other arguments, separated by
 * spaces), "maxprocs" (the job's rank count, as the launcher's PMI_SIZE
 * gives it), "wdir", "host" and "arch". Keys with no answer ("soft",
 * "file", "thread_level"...) are left unset, which MPI allows. The values
 * depend only on the command line and the launch, so two objects made at
 * any time of the run (before MPI_Init, after MPI_Finalize) are equal.
 * MPI_INFO_ENV has no argv of its own and reads /proc/self/cmdline (each
 * cluster runs the same command line, so a move does not change it).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "info.h"

/* Joins args[0..n-1] with spaces into buf (truncated to size). */
static void join_args(char *buf, size_t size, int n, char *const *args)
{
    size_t used = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; i < n && used + 1 < size; i++) {
        size_t len = strlen(args[i]);
        if (i > 0)
            buf[used++] = ' ';
        if (len > size - used - 1)
            len = size - used - 1;
        memcpy(buf + used, args[i], len);
        used += len;
        buf[used] = '\0';
    }
}

/* Sets key when value is a non-empty string. */
static int put_some(struct mpi_info *info, const char *key, const char *value)
{
    if (!value || !value[0])
        return MPI_SUCCESS;
    return mpi_info_put(info, key, value);
}

/* The command line from /proc/self/cmdline, split in place into args[]
 * (at most max). Returns the number of arguments. */
static int own_cmdline(char *buf, size_t size, char **args, int max)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC), n = 0;
    ssize_t len;
    size_t i;

    if (fd < 0)
        return 0;
    len = read(fd, buf, size - 1);
    close(fd);
    if (len <= 0)
        return 0;
    buf[len] = '\0';
    for (i = 0; i < (size_t)len && n < max; i += strlen(buf + i) + 1)
        args[n++] = buf + i;
    return n;
}

int mpi_info_fill_env(struct mpi_info *info, int argc, char **argv)
{
    /* cppcheck-suppress variableScope ; own[] points into cmd after the if */
    char cmd[MPI_MAX_INFO_VAL + 1], *own[64];
    char value[MPI_MAX_INFO_VAL + 1];
    struct utsname u;
    int err;

    if (!argv) {
        argc = own_cmdline(cmd, sizeof(cmd), own, 64);
        argv = own;
    }
    err = argc > 0 ? put_some(info, "command", argv[0]) : MPI_SUCCESS;
    if (!err && argc > 1) {
        char line[MPI_MAX_INFO_VAL + 1];

        join_args(line, sizeof(line), argc - 1, argv + 1);
        err = put_some(info, "argv", line);
    }
    if (!err)
        err = put_some(info, "maxprocs", getenv("PMI_SIZE"));
    if (!err && getcwd(value, sizeof(value)))
        err = put_some(info, "wdir", value);
    if (!err && gethostname(value, sizeof(value)) == 0) {
        value[sizeof(value) - 1] = '\0';
        err = put_some(info, "host", value);
    }
    if (!err && uname(&u) == 0)
        err = put_some(info, "arch", u.machine);
    return err;
}
