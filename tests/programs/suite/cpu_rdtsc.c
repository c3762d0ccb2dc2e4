/* rdtsc and rdtscp in a loop: values and the aux (cpu) value. */
#include "suite.h"
#include <x86intrin.h>
int main(void) {
    nondet();
    unsigned long long prev = __rdtsc();
    int monotone = 1;
    for (int i = 0; i < 1000; i++) { unsigned long long t = __rdtsc(); if (t < prev) monotone = 0; prev = t; }
    unsigned aux;
    unsigned long long p = __rdtscp(&aux);
    printf("rdtsc %llu monotone %d rdtscp %llu aux %u\n", prev, monotone, p, aux);
    return 0;
}
