/* rdtsc and rdtscp: the values, their differences and TSC_AUX (the cpu number). */
#include <stdio.h>
#include <x86intrin.h>

static inline unsigned long long rdtsc_asm(void) {
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((unsigned long long)hi << 32) | lo;
}

int main(void) {
    unsigned long long a = rdtsc_asm();
    unsigned long long b = __rdtsc();
    unsigned aux = 0;
    unsigned long long c = __rdtscp(&aux);
    printf("rdtsc (asm): %llu\n", a);
    printf("rdtsc (intrinsic): %llu\n", b);
    printf("rdtscp: %llu aux=%u\n", c, aux);
    printf("deltas: %llu %llu\n", b - a, c - b);
    unsigned long long prev = c;
    unsigned long long sum = 0;
    for (int i = 0; i < 100; i++) {
        unsigned long long now = (i & 1) ? __rdtscp(&aux) : __rdtsc();
        sum += now - prev;
        prev = now;
    }
    printf("100 more reads: total delta %llu, last %llu\n", sum, prev);
    return 0;
}
