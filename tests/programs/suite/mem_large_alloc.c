/* malloc of 256 MiB (mmap'd by malloc), touched sparsely, freed; calloc zeroing. */
#include "suite.h"
int main(void) {
    nondet();
    size_t len = 256UL << 20;
    char *p = malloc(len);
    CHECK(p);
    unsigned long s = 0;
    for (size_t i = 0; i < len; i += 1 << 20) { p[i] = (char)(i >> 20) + getpid(); s += (unsigned char)p[i]; }
    printf("sum %lu addr aligned %d\n", s, ((uintptr_t)p & 4095) == 16);
    free(p);
    int *z = calloc(1 << 20, sizeof(int));
    long zs = 0;
    for (int i = 0; i < 1 << 20; i += 1000) zs += z[i];
    printf("calloc zero %ld\n", zs);
    return 0;
}
