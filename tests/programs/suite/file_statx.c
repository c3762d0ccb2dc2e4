/* statx with a mask: birth time, mount id, attributes. */
#include "suite.h"
#include <sys/stat.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "x", 1) == 1);
    struct statx sx;
    CHECK(statx(AT_FDCWD, p, 0, STATX_ALL, &sx) == 0);
    printf("mask %x ino %llu size %llu\n", sx.stx_mask, (unsigned long long)sx.stx_ino, (unsigned long long)sx.stx_size);
    printf("btime %lld.%u mtime %lld.%u\n", (long long)sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec, (long long)sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec);
    CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0);
    printf("by fd: ino %llu blocks %llu\n", (unsigned long long)sx.stx_ino, (unsigned long long)sx.stx_blocks);
    close(fd);
    unlink(p);
    return 0;
}
