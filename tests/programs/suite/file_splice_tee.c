/* splice file->pipe->file, tee between two pipes. */
#include "suite.h"
int main(void) {
    nondet();
    const char *a = tmpname("a");
    int fd = open(a, O_CREAT | O_RDWR | O_TRUNC, 0600);
    char msg[64];
    int len = snprintf(msg, sizeof msg, "splice %d %lld\n", getpid(), now_ns(CLOCK_MONOTONIC));
    CHECK(write(fd, msg, len) == len);
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);
    loff_t off = 0;
    ssize_t n = splice(fd, &off, p[1], NULL, 64, 0);
    printf("splice in %zd off %ld\n", n, (long)off);
    ssize_t t = tee(p[0], q[1], 64, 0);
    printf("tee %zd\n", t);
    char buf[64] = {0};
    read(q[0], buf, sizeof buf - 1);
    printf("tee copy: %s", buf);
    n = splice(p[0], NULL, 1, NULL, 64, 0);
    fflush(stdout);
    printf("spliced to stdout %zd\n", n);
    close(fd);
    unlink(a);
    return 0;
}
