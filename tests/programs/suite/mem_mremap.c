/* mremap grow in place or move (MREMAP_MAYMOVE), contents kept; MREMAP_FIXED. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    snprintf(a, 64, "remap %d", getpid());
    char *b = mremap(a, 4096, 1 << 20, MREMAP_MAYMOVE);
    CHECK(b != MAP_FAILED);
    printf("grown: %s tail zero %d\n", b, b[(1 << 20) - 1]);
    char *target = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *c = mremap(b, 1 << 20, 1 << 20, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    printf("fixed at target %d: %s\n", c == target, c);
    char *d = mremap(c, 1 << 20, 4096, 0);
    printf("shrunk same %d addr %p\n", d == c, (void *)d);
    return 0;
}
