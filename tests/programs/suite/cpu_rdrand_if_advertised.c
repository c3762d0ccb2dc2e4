/* Uses RDRAND only if CPUID advertises it (as careful libraries do); prints which path ran. */
#include "suite.h"
#include <cpuid.h>
int main(void) {
    nondet();
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    if (c & (1u << 30)) {
        unsigned long v; unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        printf("rdrand advertised: %016lx ok %d\n", v, ok);
    } else {
        printf("rdrand not advertised\n");
    }
    __cpuid_count(7, 0, a, b, c, d);
    printf("rdseed advertised %d\n", (b >> 18) & 1);
    return 0;
}
