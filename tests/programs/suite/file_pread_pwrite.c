/* pread/pwrite at offsets, file position unchanged. */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    long t = (long)(now_ns(CLOCK_MONOTONIC) % 1000000);
    char msg[32];
    int n = snprintf(msg, sizeof msg, "T%ld", t);
    CHECK(pwrite(fd, msg, n, 4096) == n);
    CHECK(pwrite(fd, "abc", 3, 10) == 3);
    char buf[32] = {0};
    printf("pread %zd: %s\n", pread(fd, buf, sizeof buf - 1, 4096), buf);
    memset(buf, 0, sizeof buf);
    printf("pread %zd: %s\n", pread(fd, buf, 3, 10), buf);
    printf("pos %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    unlink(p);
    return 0;
}
