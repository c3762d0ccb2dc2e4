/* stat/fstat/lstat/fstatat/newfstatat of files: inode, times and sizes. */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "12345", 5) == 5);
    struct stat a, b, c, d;
    CHECK(stat(p, &a) == 0);
    CHECK(fstat(fd, &b) == 0);
    CHECK(lstat(p, &c) == 0);
    CHECK(fstatat(AT_FDCWD, p, &d, 0) == 0);
    printf("ino %lu %lu %lu %lu\n", (unsigned long)a.st_ino, (unsigned long)b.st_ino, (unsigned long)c.st_ino, (unsigned long)d.st_ino);
    printf("size %ld mode %o nlink %lu\n", (long)a.st_size, a.st_mode, (unsigned long)a.st_nlink);
    printf("mtime %ld.%09ld\n", (long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec);
    struct stat root;
    CHECK(stat("/", &root) == 0);
    printf("root ino %lu\n", (unsigned long)root.st_ino);
    SHOW_ERR("missing:", stat("/nonexistent/x", &a));
    close(fd);
    unlink(p);
    return 0;
}
