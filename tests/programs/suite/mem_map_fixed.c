/* MAP_FIXED over part of an existing mapping, MAP_FIXED_NOREPLACE refusing (EEXIST). */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    char *a = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 'a', 4 * 4096);
    char *b = mmap(a + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("fixed same %d middle %d edges %c %c\n", b == a + 4096, b[0], a[0], a[2 * 4096]);
    void *c = mmap(a, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("noreplace %d errno %d\n", c == MAP_FAILED, errno);
    printf("addr %p\n", (void *)a);
    return 0;
}
