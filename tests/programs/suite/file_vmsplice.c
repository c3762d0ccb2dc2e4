/* vmsplice user pages into a pipe, read them back. */
#include "suite.h"
#include <sys/uio.h>
int main(void) {
    nondet();
    int p[2];
    CHECK(pipe(p) == 0);
    static char page[4096] __attribute__((aligned(4096)));
    int len = snprintf(page, sizeof page, "vmsplice from %d\n", getpid());
    struct iovec iov = {page, (size_t)len};
    ssize_t n = vmsplice(p[1], &iov, 1, 0);
    printf("vmsplice %zd\n", n);
    char buf[64] = {0};
    read(p[0], buf, sizeof buf - 1);
    printf("read: %s", buf);
    return 0;
}
