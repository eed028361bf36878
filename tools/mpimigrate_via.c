/* mpimigrate_via.c: mpimigrate --via-checkpoint DIR RANK CLUSTER.
 *
 * The move asked is the one mpimigrate RANK CLUSTER asks, carried by a
 * checkpoint image file in DIR instead of a stream (a MOVE_VIA,
 * rank-migrate/rmig_xreq.h; the job's side is rank-migrate/
 * rmig_stream_file.c). DIR goes to the job as an absolute path, since the
 * clusters do not share the command's working directory; the job checks
 * it (exists, a directory, writable), and a refusal comes back as the
 * move's outcome, the rank staying where it runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mpimigrate.h"
#include "rmig_xreq.h"

int mm_via_dir(const char *dir, char *abs, size_t len)
{
    char cwd[PATH_MAX];
    int n;

    if (dir[0] == '\0') {
        fprintf(stderr, "mpimigrate: --via-checkpoint wants a directory, got ''\n");
        return MM_EXIT_USAGE;
    }
    if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL) {
        fprintf(stderr, "mpimigrate: cannot make '%s' absolute: %s\n", dir, strerror(errno));
        return MM_EXIT_USAGE;
    }
    n = dir[0] == '/' ? snprintf(abs, len, "%s", dir) : snprintf(abs, len, "%s/%s", cwd, dir);
    if (n < 0 || (size_t)n >= len || n >= RMIG_XREQ_DIR_MAX) {
        fprintf(stderr, "mpimigrate: --via-checkpoint directory too long (at most %d bytes)\n",
                RMIG_XREQ_DIR_MAX - 1);
        return MM_EXIT_USAGE;
    }
    return MM_EXIT_MOVED;
}

const char *mm_via_reason(int status)
{
    switch (status) {
    case -ENOENT:
    case -ENOTDIR:
        return "the checkpoint directory does not exist, or is not a directory, where the rank "
               "runs";
    case -EACCES:
    case -EROFS:
        return "the checkpoint directory is not writable where the rank runs";
    case -EBADMSG:
        return "the destination refused the checkpoint image (damaged)";
    case -ENAMETOOLONG:
        return "the checkpoint directory's name is too long";
    default:
        return "the transfer failed";
    }
}
