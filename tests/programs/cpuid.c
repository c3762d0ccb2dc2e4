/* cpuid leaf 0 (vendor, max leaf) and leaf 1 (eax/ebx/ecx/edx). Leaf 1 ebx
 * bits 31:24 hold the APIC id of the core the instruction ran on, so sampling
 * it repeatedly with sched_yield in between shows the cores the process
 * visited. The pid is printed too so that two native runs always differ. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    unsigned a, b, c, d;
    char vendor[13];
    __cpuid(0, a, b, c, d);
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    printf("leaf 0: max=%u vendor=%s\n", a, vendor);
    __cpuid(1, a, b, c, d);
    printf("leaf 1: eax=%08x ebx=%08x ecx=%08x edx=%08x apic=%u\n", a, b, c, d, b >> 24);
    unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0;
    __cpuid_count(7, 0, a7, b7, c7, d7);
    printf("leaf 7.0: ebx=%08x ecx=%08x edx=%08x\n", b7, c7, d7);
    printf("apic ids:");
    for (int i = 0; i < 64; i++) {
        __cpuid(1, a, b, c, d);
        printf(" %u", b >> 24);
        if (i % 8 == 7) sched_yield();
    }
    printf("\npid: %d\n", getpid());
    return 0;
}
