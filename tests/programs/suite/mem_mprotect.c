/* mprotect changes, reading /proc/self/maps permissions of the mapping back. */
#include "suite.h"
#include <sys/mman.h>
static void perms(void *addr) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long want = (unsigned long)addr;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi; char pr[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pr) == 3 && want >= lo && want < hi) printf("perms %s size %lu\n", pr, hi - lo);
    }
    fclose(f);
}
int main(void) {
    nondet();
    char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    perms(a);
    CHECK(mprotect(a + 4096, 4096, PROT_READ) == 0);
    perms(a + 4096);
    CHECK(mprotect(a, 3 * 4096, PROT_NONE) == 0);
    perms(a);
    printf("addr %p\n", (void *)a);
    return 0;
}
