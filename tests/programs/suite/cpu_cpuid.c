/* cpuid leaves 0, 1, 7 and the brand string; the APIC id varies by cpu. */
#include "suite.h"
#include <cpuid.h>
int main(void) {
    nondet();
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    char vendor[13] = {0};
    memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4);
    printf("max leaf %u vendor %s\n", a, vendor);
    __cpuid(1, a, b, c, d);
    printf("leaf1 %08x %08x %08x %08x\n", a, b, c, d);
    __cpuid_count(7, 0, a, b, c, d);
    printf("leaf7 %08x %08x %08x %08x\n", a, b, c, d);
    unsigned brand[12];
    for (unsigned i = 0; i < 3; i++) __cpuid(0x80000002 + i, brand[i * 4], brand[i * 4 + 1], brand[i * 4 + 2], brand[i * 4 + 3]);
    printf("brand %.48s\n", (char *)brand);
    return 0;
}
