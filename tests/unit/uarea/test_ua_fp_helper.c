/* test_ua_fp_helper.c: prints this process's layout fingerprint, stack-protector
 * canary and migratability, for test_ua_layout.c ("fp canary migratable"). */
#include <stdint.h>
#include <stdio.h>

#include "ua.h"

int main(void)
{
    uint64_t canary;
    __asm__ volatile("movq %%fs:0x28, %0" : "=r"(canary));
    printf("%016llx %016llx %d\n", (unsigned long long)ua_layout_fingerprint(),
           (unsigned long long)canary, ua_layout_migratable());
    return 0;
}
