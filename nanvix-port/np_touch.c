/* np_touch.c: the hook every call that takes a caller's buffer runs first
 * (knode_set_buffer_hook).
 *
 * Why: a post-copy destination runs its rank before every page of the
 * container is here; a missing page is filled by a userfaultfd handler
 * whose fetch goes through this port (a mailbox to the source, a portal
 * read back). A buffer that reaches the port still missing would either
 * fail (an unprivileged session is UFFD_USER_MODE_ONLY: a kernel copy into
 * it, process_vm_writev from a peer or read(2), gets EFAULT) or fault with
 * np_lock held, or inside a peer's kernel copy, while the handler's fetch
 * needs that lock or that peer: a deadlock. So the layer that owns the
 * session makes each buffer present here, before np_lock is taken, and no
 * path of the port can forget it. Runtime state: set while the layer's
 * session has pages missing, NULL otherwise (one load per call then). */
#include <stddef.h>

#include "nanvix.h"
#include "np_internal.h"

static int (*np_touch_hook)(const void *addr, size_t len); /* knode_set_buffer_hook */

void knode_set_buffer_hook(int (*touch)(const void *addr, size_t len))
{
    __atomic_store_n(&np_touch_hook, touch, __ATOMIC_RELEASE);
}

int np_touch(const void *buf, size_t len)
{
    int (*touch)(const void *, size_t) = __atomic_load_n(&np_touch_hook, __ATOMIC_ACQUIRE);

    return touch != NULL && buf != NULL && len > 0 ? touch(buf, len) : 0;
}
