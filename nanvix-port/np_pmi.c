/* np_pmi.c: a PMI-1 wire-protocol client, as spoken by MPICH's Hydra.
 *
 * The launcher passes a connected socket in PMI_FD and the rank/size in
 * PMI_RANK/PMI_SIZE. Requests and replies are single lines of space-separated
 * key=value pairs ("cmd=put kvsname=k key=a value=b\n" -> "cmd=put_result
 * rc=0\n"). Every request is answered by exactly one line, except abort.
 * Values cannot hold spaces, '=' or newlines: callers hex-encode binary data.
 * Callers hold np_lock, so one request is in flight at a time.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "np_internal.h"

#define NP_PMI_LINE_MAX 4096

static struct {
    int fd;
    char kvsname[256];
    size_t vallen_max;
    size_t keylen_max;
    char rbuf[NP_PMI_LINE_MAX]; /* bytes read but not yet consumed */
    size_t rlen;
} pmi = {.fd = -1};

/* Writes all of line. Returns 0 or -EIO. */
static int pmi_write(const char *line)
{
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t n = write(pmi.fd, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            np_error("PMI: write to the launcher failed: %s", strerror(errno));
            return -EIO;
        }
        off += (size_t)n;
    }
    return 0;
}

/* Seconds a barrier still waits for its reply once a peer is found gone. */
#define NP_PMI_LOST_GRACE 1.0

/* Reads one reply line (without the newline) into line[NP_PMI_LINE_MAX].
 * If progress is not NULL, calls it while no byte is available. Returns 0 or
 * -EIO. */
static int pmi_read_line(char *line, void (*progress)(void))
{
    for (;;) {
        char *nl = memchr(pmi.rbuf, '\n', pmi.rlen);
        if (nl != NULL) {
            size_t n = (size_t)(nl - pmi.rbuf);
            memcpy(line, pmi.rbuf, n);
            line[n] = '\0';
            pmi.rlen -= n + 1;
            memmove(pmi.rbuf, nl + 1, pmi.rlen);
            return 0;
        }
        if (pmi.rlen == sizeof(pmi.rbuf)) {
            np_error("PMI: reply line too long");
            return -EIO;
        }
        if (progress != NULL) {
            struct pollfd pfd = {.fd = pmi.fd, .events = POLLIN};
            unsigned spins = 0;
            double lost_at = 0.0;
            while (poll(&pfd, 1, 0) == 0) {
                np_lost_probe_all(); /* without Hydra's notice too */
                progress();
                /* A cluster found lost while we wait (its death noticed
                 * only now, e.g. by the scan after a copy into it failed
                 * with ESRCH) never joins: the launcher's barrier would
                 * wait for good (seen in CI: migrate_precopy_faults case 4,
                 * the job hung in its final barrier). But a peer whose
                 * reply came first may have ended already, its process
                 * gone like a lost one's, while ours is on its way: the
                 * reply is given NP_PMI_LOST_GRACE to come first. */
                if (np_lost_any()) {
                    double now = knode_wtime();
                    if (lost_at == 0.0)
                        lost_at = now;
                    else if (now - lost_at > NP_PMI_LOST_GRACE)
                        return -EHOSTDOWN;
                }
                np_backoff(&spins);
            }
        }
        ssize_t n = read(pmi.fd, pmi.rbuf + pmi.rlen, sizeof(pmi.rbuf) - pmi.rlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            np_error("PMI: connection to the launcher lost");
            return -EIO;
        }
        pmi.rlen += (size_t)n;
    }
}

/* Copies the value of key in a reply line into out[len]. Returns 0, or
 * -ENOENT if the key is absent, -ENOSPC if out is too small. */
static int pmi_field(const char *line, const char *key, char *out, size_t len)
{
    size_t klen = strlen(key);
    const char *p = line;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ' ');
        if (end == NULL)
            end = p + strlen(p);
        if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t vlen = (size_t)(end - p) - klen - 1;
            if (vlen + 1 > len)
                return -ENOSPC;
            memcpy(out, p + klen + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p = end;
    }
    return -ENOENT;
}

/* Sends request and reads the reply into line; checks cmd=expect and rc=0
 * (when present). Returns 0, -EIO, or -ENOENT when rc != 0. */
static int pmi_call(const char *request, const char *expect, char *line, void (*progress)(void))
{
    char cmd[64], rc[16];
    int err = pmi_write(request);
    if (err == 0)
        err = pmi_read_line(line, progress);
    if (err != 0)
        return err;
    if (pmi_field(line, "cmd", cmd, sizeof(cmd)) != 0 || strcmp(cmd, expect) != 0) {
        np_error("PMI: unexpected reply '%s' (wanted cmd=%s)", line, expect);
        return -EIO;
    }
    if (pmi_field(line, "rc", rc, sizeof(rc)) == 0 && atoi(rc) != 0)
        return -ENOENT;
    return 0;
}

static int env_int(const char *name, int *out)
{
    const char *s = getenv(name);
    char *end;
    if (s == NULL || *s == '\0')
        return -1;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > 1 << 30)
        return -1;
    *out = (int)v;
    return 0;
}

static int pmi_handshake(void)
{
    char line[NP_PMI_LINE_MAX], val[64];
    if (pmi_call("cmd=init pmi_version=1 pmi_subversion=1\n", "response_to_init", line, NULL))
        return -EIO;
    if (pmi_call("cmd=get_maxes\n", "maxes", line, NULL))
        return -EIO;
    pmi.vallen_max = NP_PMI_VALUE_MAX;
    if (pmi_field(line, "vallen_max", val, sizeof(val)) == 0 && atoi(val) > 0)
        pmi.vallen_max = (size_t)atoi(val);
    pmi.keylen_max = 64;
    if (pmi_field(line, "keylen_max", val, sizeof(val)) == 0 && atoi(val) > 0)
        pmi.keylen_max = (size_t)atoi(val);
    if (pmi_call("cmd=get_my_kvsname\n", "my_kvsname", line, NULL) ||
        pmi_field(line, "kvsname", pmi.kvsname, sizeof(pmi.kvsname)) != 0) {
        np_error("PMI: no KVS name from the launcher");
        return -EIO;
    }
    return 0;
}

/* Connects to the launcher. Returns 0 and the rank and size, or -EIO with a
 * message when the process was not started by a PMI launcher. */
int np_pmi_init(int *rank_p, int *size_p)
{
    int fd, rank, size;
    if (env_int("PMI_FD", &fd) != 0) {
        np_error("not started by mpiexec; PMI_FD is not set. Launch the program with "
                 "mpiexec (Hydra, e.g. `mpiexec.hydra -n 2 ./prog`).");
        return -EIO;
    }
    if (env_int("PMI_RANK", &rank) != 0 || env_int("PMI_SIZE", &size) != 0 || size < 1 ||
        rank >= size) {
        np_error("PMI_RANK/PMI_SIZE missing or invalid in the environment");
        return -EIO;
    }
    if (size > KNODE_MAX) {
        np_error("job of %d processes exceeds KNODE_MAX (%d)", size, KNODE_MAX);
        return -EIO;
    }
    pmi.fd = fd;
    pmi.rlen = 0;
    if (pmi_handshake() != 0) {
        pmi.fd = -1;
        return -EIO;
    }
    *rank_p = rank;
    *size_p = size;
    return 0;
}

const char *np_pmi_kvsname(void)
{
    return pmi.kvsname;
}

size_t np_pmi_vallen_max(void)
{
    return pmi.vallen_max;
}

/* Returns 0, -EINVAL for a key or value that PMI cannot carry, or -EIO. */
int np_pmi_put(const char *key, const char *value)
{
    char req[NP_PMI_LINE_MAX], line[NP_PMI_LINE_MAX];
    if (strlen(key) >= pmi.keylen_max || strlen(value) >= pmi.vallen_max)
        return -EINVAL;
    snprintf(req, sizeof(req), "cmd=put kvsname=%s key=%s value=%s\n", pmi.kvsname, key, value);
    int err = pmi_call(req, "put_result", line, NULL);
    return err == 0 ? 0 : -EIO;
}

/* Returns 0 with the value in value[len], -ENOENT if the key is unknown,
 * -ENOSPC if value is too small, or -EIO. */
int np_pmi_get(const char *key, char *value, size_t len)
{
    char req[NP_PMI_LINE_MAX], line[NP_PMI_LINE_MAX];
    if (strlen(key) >= pmi.keylen_max)
        return -EINVAL;
    snprintf(req, sizeof(req), "cmd=get kvsname=%s key=%s\n", pmi.kvsname, key);
    int err = pmi_call(req, "get_result", line, NULL);
    if (err != 0)
        return err;
    return pmi_field(line, "value", value, len);
}

/* Enters the job-wide barrier; while waiting, calls progress (if not NULL)
 * so that this cluster keeps draining its fabric. Returns 0 or -EIO. */
int np_pmi_barrier(void (*progress)(void))
{
    char line[NP_PMI_LINE_MAX];
    return pmi_call("cmd=barrier_in\n", "barrier_out", line, progress) == 0 ? 0 : -EIO;
}

/* Leaves the job. Returns 0 or -EIO. */
int np_pmi_finalize(void)
{
    char line[NP_PMI_LINE_MAX];
    if (pmi.fd < 0)
        return 0;
    int err = pmi_write("cmd=finalize\n");
    /* A barrier left for a lost peer may still get its reply: skipped. */
    while (err == 0 && (err = pmi_read_line(line, NULL)) == 0 &&
           strstr(line, "cmd=barrier_out") != NULL)
        ;
    if (err == 0 && strstr(line, "cmd=finalize_ack") == NULL) {
        np_error("PMI: unexpected reply '%s' (wanted cmd=finalize_ack)", line);
        err = -EIO;
    }
    pmi.fd = -1;
    return err == 0 ? 0 : -EIO;
}

/* Asks the launcher to kill the job with code; does not wait for an answer
 * (PMI-1 abort carries no message: kjob_abort prints it). */
void np_pmi_abort(int code)
{
    char req[64];
    if (pmi.fd < 0)
        return;
    snprintf(req, sizeof(req), "cmd=abort exitcode=%d\n", code);
    pmi_write(req);
}
