/* truncate/ftruncate growing and shrinking, reads of the hole. */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    char msg[32];
    int n = snprintf(msg, sizeof msg, "%d", getpid());
    CHECK(write(fd, msg, n) == n);
    CHECK(ftruncate(fd, 100000) == 0);
    struct stat st; fstat(fd, &st);
    printf("size %ld\n", (long)st.st_size);
    char buf[16];
    ssize_t h = pread(fd, buf, 16, 5000);
    printf("pread hole %zd first %d\n", h, buf[0]);
    CHECK(truncate(p, 3) == 0);
    fstat(fd, &st);
    memset(buf, 0, sizeof buf);
    ssize_t d = pread(fd, buf, 15, 0);
    printf("size %ld data %zd %s\n", (long)st.st_size, d, buf);
    close(fd);
    unlink(p);
    return 0;
}
