/* np_node.c: cluster bootstrap and teardown (knode_*), and the job KVS (kjob_*).
 *
 * knode_setup() joins the PMI job (cluster number = PMI rank, count = PMI
 * size), publishes its pid and host identity (np_lost.c, np_host.c), and
 * after a first PMI barrier learns which clusters share its host and
 * whether the job spans hosts, which chooses the provider (np_fabric.c).
 * It then opens the fabric endpoints (one for this host, one for the others
 * when the job spans hosts), publishes their addresses hex-encoded under
 * "np-addr-<cluster>" and "np-naddr-<cluster>" (split into parts
 * "np-addr-<cluster>-<i>" if longer than the launcher's value limit; part 0
 * begins with "<nparts>:"), and after a second PMI barrier inserts every
 * cluster's address into the AV of the endpoint that reaches it, in cluster
 * order.
 * A third barrier makes sure everyone can reach everyone before the first
 * message. Same-host mailbox rings (np_shm.c) are created before the first
 * barrier, mapped (those of the same host) after the second and unlinked
 * after the third. User keys of kjob_put() are stored as
 * "c<cluster>.<key>".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "np_internal.h"

#define NP_ADDR_MAX 1024

struct np_node np_node;

static uint64_t np_fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void np_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int np_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes hex into out[max]. Returns the byte count or -EIO. */
static int np_hex_decode(const char *hex, unsigned char *out, size_t max)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > max)
        return -EIO;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = np_hex_digit(hex[2 * i]), lo = np_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EIO;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

/* The PMI key of part i of cluster c's address on endpoint `which`: the
 * inter-host endpoint's addresses are "np-naddr-<c>-<i>". */
static void np_addr_key(char *key, size_t len, int which, int c, int i)
{
    snprintf(key, len, "np-%saddr-%d-%d", which == NP_FAB_NET ? "n" : "", c, i);
}

/* Publishes the address of endpoint `which`. Returns 0 or -EIO. */
static int np_addr_publish(int which)
{
    unsigned char addr[NP_ADDR_MAX];
    char hex[2 * NP_ADDR_MAX + 1], key[64], val[NP_PMI_VALUE_MAX + 16];
    size_t len = sizeof(addr);
    if (np_fabric_getname(which, addr, &len) != 0)
        return -EIO;
    np_hex_encode(addr, len, hex);
    size_t part = np_pmi_vallen_max() - 16, total = strlen(hex);
    if (part > NP_PMI_VALUE_MAX - 16)
        part = NP_PMI_VALUE_MAX - 16;
    int nparts = (int)((total + part - 1) / part);
    for (int i = 0; i < nparts; i++) {
        size_t off = (size_t)i * part;
        int pre = i == 0 ? snprintf(val, sizeof(val), "%d:", nparts) : 0;
        snprintf(val + pre, sizeof(val) - (size_t)pre, "%.*s", (int)part, hex + off);
        np_addr_key(key, sizeof(key), which, np_node.num, i);
        if (np_pmi_put(key, val) != 0)
            return -EIO;
    }
    return 0;
}

/* Fetches the address of cluster c on the endpoint that reaches it and
 * inserts it there. Returns 0 or -EIO. */
static int np_addr_fetch(int c)
{
    unsigned char addr[NP_ADDR_MAX];
    char hex[2 * NP_ADDR_MAX + 1] = "", key[64], val[NP_PMI_VALUE_MAX + 16];
    int nparts = 1;
    for (int i = 0; i < nparts; i++) {
        np_addr_key(key, sizeof(key), np_fabric_of(c), c, i);
        if (np_pmi_get(key, val, sizeof(val)) != 0)
            goto bad;
        const char *p = val;
        if (i == 0) {
            nparts = atoi(val);
            p = strchr(val, ':');
            if (p == NULL || nparts < 1 || nparts > 64)
                goto bad;
            p++;
        }
        if (strlen(hex) + strlen(p) >= sizeof(hex))
            goto bad;
        strcat(hex, p);
    }
    int len = np_hex_decode(hex, addr, sizeof(addr));
    if (len <= 0)
        goto bad;
    return np_fabric_insert(c, addr);
bad:
    np_error("bootstrap: no valid address of cluster %d in the PMI key-value space", c);
    return -EIO;
}

static void np_progress_hook(void)
{
    if (np_fab_count > 0)
        np_progress();
}

static int np_setup_locked(void)
{
    int rank, size;
    /* First of all: Hydra's SIGUSR1 (a peer died) must not kill us. */
    if (np_lost_setup() != 0)
        np_warn("cannot handle SIGUSR1: a lost cluster will end the job");
    if (np_pmi_init(&rank, &size) != 0)
        return -EIO;
    np_node.num = rank;
    np_node.count = size;
    np_node.token = np_fnv1a(np_pmi_kvsname());
    /* Round 1: who is on which host, which decides the provider. */
    if (np_pid_publish() != 0 || np_host_publish() != 0 || np_shm_create() != 0 ||
        np_pmi_barrier(NULL) != 0 || np_host_fetch() != 0)
        goto err;
    /* Round 2: the endpoints' addresses. */
    if (np_fabric_open() != 0)
        goto err;
    for (int i = 0; i < np_fab_count; i++)
        if (np_addr_publish(i) != 0)
            goto err;
    if (np_pmi_barrier(NULL) != 0)
        goto err;
    for (int c = 0; c < size; c++)
        if (np_addr_fetch(c) != 0)
            goto err;
    if (np_pid_fetch() != 0)
        goto err;
    np_host_check_pids();
    if (np_shm_attach() != 0)
        goto err;
    np_node.ready = 1;
    if (np_sync_setup() != 0 || np_pmi_barrier(np_progress_hook) != 0)
        goto err;
    np_shm_unlink(); /* every peer has mapped it by now */
    return 0;
err:
    np_node.ready = 0;
    np_shm_teardown();
    np_sync_teardown();
    np_fabric_close();
    np_host_teardown();
    np_pmi_finalize();
    return -EIO;
}

int knode_setup(void)
{
    np_enter();
    int ret = np_node.ready ? 0 : np_setup_locked();
    np_leave();
    return ret;
}

int knode_shutdown(void)
{
    int ret = 0;
    np_enter();
    if (np_node.ready) {
        /* Hydra's barrier waits for every process it started: with a
         * cluster lost, it would wait for good. The ranks have met in
         * MPI_Finalize already; only the lost cluster's barrier is missed. */
        if (np_lost_any())
            base_log(BASE_LOG_INFO, "port",
                     "a cluster of the job was lost: leaving without the "
                     "final barrier");
        else if ((ret = np_pmi_barrier(np_progress_hook)) != 0 && np_lost_any()) {
            base_log(BASE_LOG_INFO, "port",
                     "a cluster of the job was lost during the final barrier: leaving it");
            ret = 0;
        }
        np_node.ready = 0;
        np_fabric_close(); /* drops every posted operation */
        np_shm_teardown();
        np_mailbox_teardown();
        np_portal_teardown();
        np_sync_teardown();
        np_host_teardown();
        if (np_pmi_finalize() != 0)
            ret = -EIO;
    }
    np_leave();
    return ret;
}

int knode_get_num(void)
{
    return np_node.ready ? np_node.num : -EINVAL;
}

int knode_count(void)
{
    return np_node.ready ? np_node.count : -EINVAL;
}

int knode_is_valid(int cluster)
{
    return np_cluster_ok(cluster);
}

uint64_t knode_job_token(void)
{
    return np_node.token;
}

int knode_get_name(char *name, size_t len)
{
    char host[256];
    if (name == NULL || len == 0)
        return -EINVAL;
    if (gethostname(host, sizeof(host)) != 0)
        return -EIO;
    host[sizeof(host) - 1] = '\0';
    if (strlen(host) >= len)
        return -EINVAL;
    strcpy(name, host);
    return 0;
}

/* A key or value PMI-1 can carry: printable, no space, no '='. */
static int np_kvs_text_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (s[n] <= ' ' || s[n] == '=' || s[n] == 127 || n >= max)
            return 0;
    return 1;
}

int kjob_put(const char *key, const char *value)
{
    if (key == NULL || value == NULL || *key == '\0' || !np_kvs_text_ok(key, 48) ||
        !np_kvs_text_ok(value, NP_PMI_VALUE_MAX))
        return -EINVAL;
    np_enter();
    int ret = -EINVAL;
    if (np_node.ready) {
        char k[128];
        snprintf(k, sizeof(k), "c%d.%s", np_node.num, key);
        ret = np_pmi_put(k, value);
    }
    np_leave();
    return ret;
}

int kjob_get(int cluster, const char *key, char *value, size_t len)
{
    if (key == NULL || value == NULL || len == 0 || *key == '\0' || !np_kvs_text_ok(key, 48))
        return -EINVAL;
    np_enter();
    int ret = -EINVAL;
    if (np_cluster_ok(cluster)) {
        char k[128];
        snprintf(k, sizeof(k), "c%d.%s", cluster, key);
        ret = np_pmi_get(k, value, len);
        if (ret == -ENOSPC)
            ret = -EINVAL;
        else if (ret == 0)
            ret = (int)strlen(value);
    }
    np_leave();
    return ret;
}

int kjob_fence(void)
{
    np_enter();
    int ret = np_node.ready ? np_pmi_barrier(np_progress_hook) : -EINVAL;
    np_leave();
    return ret;
}

/* Waits (200 ms at most) until the launcher has read what this process
 * wrote to stderr, when stderr is a pipe: Hydra's proxy may act on the
 * abort request before it drains the pipe, and then kills the job with
 * the reason still unread (tests/mpi/lost.sh saw the line lost about one
 * run in four on a loaded machine). FIONREAD on a pipe counts the bytes not
 * yet read, from either end. */
static void np_stderr_drain(void)
{
    struct timespec ms = {0, 1000000L};
    int left = 0;

    for (int i = 0; i < 200; i++) {
        if (ioctl(STDERR_FILENO, FIONREAD, &left) < 0 || left <= 0)
            return;
        nanosleep(&ms, NULL);
    }
}

void kjob_abort(int code, const char *msg)
{
    np_kernel_depth++;
    np_error("cluster %d aborts the job (code %d): %s", np_node.ready ? np_node.num : -1, code,
             msg != NULL ? msg : "");
    fflush(stderr);
    np_stderr_drain();
    np_fabric_unlink_shm(); /* _exit closes no endpoint */
    np_pmi_abort(code);
    _exit(code != 0 ? code : 1);
}
