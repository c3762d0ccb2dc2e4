/* brk/sbrk growth and shrink; the break address varies with ASLR. */
#include "suite.h"
int main(void) {
    nondet();
    char *b0 = sbrk(0);
    char *p = sbrk(100000);
    CHECK(p != (void *)-1);
    memset(p, 7, 100000);
    char *b1 = sbrk(0);
    printf("brk %p grew %ld\n", (void *)b0, (long)(b1 - b0));
    CHECK(brk(b0 + 50000) == 0);
    printf("shrunk to %ld\n", (long)((char *)sbrk(0) - b0));
    printf("byte %d\n", p[49999]);
    return 0;
}
