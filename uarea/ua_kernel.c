/* ua_kernel.c: fallback for the one fact this layer needs from nanvix-port.
 *
 * knode_in_kernel() (an inline of nanvix.h) tells whether the thread is inside
 * a kernel call, where malloc must serve libc memory even in rank context. It
 * reads nanvix-port's thread variable np_kernel_depth. This weak definition
 * (always 0) lets the uarea layer and its tests link without nanvix-port; in
 * libmpi.so nanvix-port's strong definition wins.
 */
#include "ua_internal.h"

__thread int np_kernel_depth __attribute__((weak, tls_model("initial-exec")));
