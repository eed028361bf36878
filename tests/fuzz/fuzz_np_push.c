/* fuzz_np_push.c: libFuzzer target for the check of same-host portal notices
 * (np_push_notice_check), which np_push applies to every ring cell on the
 * notice port before it trusts a field. Whatever the check accepts must be
 * safe to act on: a known kind and version, a cluster of the job, ports in
 * range, a READY buffer that does not wrap, a DONE status that is 0 or an
 * errno value. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "np_internal.h"

#define FUZZ_CLUSTERS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct np_push_notice n;

    memset(&n, 0, sizeof(n));
    memcpy(&n, data, size < sizeof(n) ? size : sizeof(n));
    int ret = np_push_notice_check(&n, size, FUZZ_CLUSTERS);
    if (ret != 0 && ret != -EBADMSG)
        abort();
    if (ret == 0 &&
        (size != sizeof(n) || n.version != NP_PUSH_VERSION || n.kind < NP_PUSH_READY ||
         n.kind > NP_PUSH_CANCEL || n.from >= FUZZ_CLUSTERS || n.sport >= KPORTAL_PORT_MAX ||
         n.dport >= KPORTAL_PORT_MAX || (n.kind == NP_PUSH_READY && n.addr + n.size < n.addr) ||
         (n.kind == NP_PUSH_DONE && (n.status > 0 || n.status < -4095))))
        abort();
    return 0;
}

size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    struct np_push_notice n = {.version = NP_PUSH_VERSION};

    if (max < sizeof(n))
        return 0;
    n.kind = (uint16_t)(NP_PUSH_READY + k % 3);
    n.from = k % FUZZ_CLUSTERS;
    n.sport = k * 7 % KPORTAL_PORT_MAX;
    n.dport = k * 13 % KPORTAL_PORT_MAX;
    n.serial = k + 1;
    n.addr = 0x100000000000ULL + (uint64_t)k * 4096;
    n.size = (uint64_t)k << 12;
    n.status = k % 2 ? 0 : -EMSGSIZE;
    memcpy(buf, &n, sizeof(n));
    return sizeof(n);
}
