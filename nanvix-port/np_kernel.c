/* np_kernel.c: kernel depth counter and the cluster-wide lock.
 *
 * np_kernel_depth is an initial-exec TLS int, so knode_in_kernel() is one
 * %fs-relative load; the malloc interposer of the uarea layer reads it on
 * every call. np_lock serialises the fabric and all object tables of the
 * cluster; it is a plain mutex, taken once per public call.
 */
#include "np_internal.h"

__thread int np_kernel_depth __attribute__((tls_model("initial-exec")));

pthread_mutex_t np_lock = PTHREAD_MUTEX_INITIALIZER;
