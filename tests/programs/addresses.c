/* Addresses that ASLR randomizes: stack, heap (brk and mmap-backed malloc),
 * an anonymous mmap, the program text, a shared-library function, TLS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
    int local = 42;
    char *small = malloc(32);
    char *big = malloc(4 << 20);
    void *map = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!small || !big || map == MAP_FAILED) { perror("alloc"); return 1; }
    memset(big, 1, 4 << 20);
    printf("stack: %p\n", (void *)&local);
    printf("malloc small: %p\n", (void *)small);
    printf("malloc big: %p\n", (void *)big);
    printf("mmap: %p\n", map);
    printf("main: %p\n", (void *)main);
    printf("printf (libc): %p\n", (void *)printf);
    printf("errno (tls): %p\n", (void *)&errno);
    printf("sbrk-ish: %p\n", (void *)malloc(100000));
    munmap(map, 65536);
    free(big);
    free(small);
    return 0;
}
