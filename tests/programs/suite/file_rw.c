/* open/write/lseek/read of a regular file. */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    char msg[64];
    int n = snprintf(msg, sizeof msg, "hello %d\n", getpid());
    CHECK(write(fd, msg, n) == n);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char buf[64] = {0};
    ssize_t r = read(fd, buf, sizeof buf - 1);
    printf("read %zd: %s", r, buf);
    printf("end at %ld\n", (long)lseek(fd, 0, SEEK_END));
    close(fd);
    unlink(p);
    return 0;
}
