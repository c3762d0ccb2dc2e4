/* readv/writev and preadv2/pwritev2 scatter-gather. */
#include "suite.h"
#include <sys/uio.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    char a[16], b[16];
    snprintf(a, sizeof a, "pid=%d;", getpid());
    snprintf(b, sizeof b, "t=%lld;", now_ns(CLOCK_REALTIME) % 100000);
    struct iovec w[2] = {{a, strlen(a)}, {b, strlen(b)}};
    printf("writev %zd\n", writev(fd, w, 2));
    char x[5] = {0}, y[40] = {0};
    struct iovec r[2] = {{x, 4}, {y, 39}};
    printf("preadv2 %zd: [%s][%s]\n", preadv2(fd, r, 2, 0, 0), x, y);
    struct iovec w2 = {"ZZ", 2};
    printf("pwritev2 %zd\n", pwritev2(fd, &w2, 1, 1, 0));
    lseek(fd, 0, SEEK_SET);
    memset(x, 0, sizeof x); memset(y, 0, sizeof y);
    printf("readv %zd: [%s][%s]\n", readv(fd, r, 2), x, y);
    close(fd);
    unlink(p);
    return 0;
}
