/* madvise DONTNEED zeroes private anonymous pages; mincore residency before and after. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    size_t len = 16 * 4096;
    char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char vec[16];
    mincore(a, len, vec);
    int res = 0; for (int i = 0; i < 16; i++) res += vec[i] & 1;
    printf("resident before touch %d\n", res);
    for (size_t i = 0; i < len; i += 4096) a[i] = 0x55;
    mincore(a, len, vec);
    res = 0; for (int i = 0; i < 16; i++) res += vec[i] & 1;
    printf("resident after touch %d\n", res);
    CHECK(madvise(a, len / 2, MADV_DONTNEED) == 0);
    printf("after DONTNEED first %d second half %d\n", a[0], a[len / 2]);
    printf("willneed %d hugepage %d\n", madvise(a, len, MADV_WILLNEED), madvise(a, len, MADV_NOHUGEPAGE));
    printf("addr %p\n", (void *)a);
    return 0;
}
