/* pipe2 between parent and child, partial reads, EOF after close. */
#include "suite.h"
int main(void) {
    nondet();
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        char msg[64];
        int n = snprintf(msg, sizeof msg, "child %d at %lld", getpid(), now_ns(CLOCK_MONOTONIC));
        write(p[1], msg, n);
        _exit(0);
    }
    close(p[1]);
    char buf[128] = {0};
    ssize_t total = 0, n;
    while ((n = read(p[0], buf + total, 5)) > 0) total += n;
    printf("got %zd: %s\n", total, buf);
    int st;
    printf("waited %d\n", waitpid(c, &st, 0) == c);
    return 0;
}
