/* fallocate (plain, KEEP_SIZE, PUNCH_HOLE) and posix_fadvise. */
#include "suite.h"
#include <linux/falloc.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    int r = fallocate(fd, 0, 0, 1 << 20);
    struct stat st; fstat(fd, &st);
    printf("fallocate %d size %ld blocks>0 %d\n", r, (long)st.st_size, st.st_blocks > 0);
    r = fallocate(fd, FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20);
    fstat(fd, &st);
    printf("keep size %d size %ld\n", r, (long)st.st_size);
    r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096);
    printf("punch %d\n", r);
    printf("fadvise %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    printf("blocks %ld\n", (long)st.st_blocks);
    close(fd);
    unlink(p);
    return 0;
}
