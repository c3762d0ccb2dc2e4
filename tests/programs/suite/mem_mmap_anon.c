/* Anonymous mmap/munmap; the kernel-chosen address and zeroed contents. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    char *a = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    unsigned long z = 0;
    for (int i = 0; i < 1 << 20; i += 4096) z += a[i];
    printf("map %p zero sum %lu\n", (void *)a, z);
    int pid = getpid();
    for (int i = 0; i < 1 << 20; i++) a[i] = (char)(i * pid);
    unsigned long s = 0;
    for (int i = 0; i < 1 << 20; i += 97) s += (unsigned char)a[i];
    printf("sum %lu munmap %d\n", s, munmap(a, 1 << 20));
    SHOW_ERR("munmap unaligned", munmap(a + 1, 10));
    return 0;
}
