/* Nonblocking pipe: EAGAIN on empty read, fill until EAGAIN on write, F_GETPIPE_SZ/F_SETPIPE_SZ. */
#include "suite.h"
int main(void) {
    nondet();
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0);
    char c;
    SHOW_ERR("empty read", read(p[0], &c, 1));
    printf("pipe size %d\n", fcntl(p[1], F_GETPIPE_SZ));
    printf("set size %d\n", fcntl(p[1], F_SETPIPE_SZ, 8192));
    char buf[1000];
    memset(buf, 'x', sizeof buf);
    long total = 0;
    ssize_t n;
    while ((n = write(p[1], buf, sizeof buf)) > 0) total += n;
    printf("filled %ld then errno %d\n", total, errno);
    long drained = 0;
    while ((n = read(p[0], buf, sizeof buf)) > 0) drained += n;
    printf("drained %ld\n", drained);
    return 0;
}
