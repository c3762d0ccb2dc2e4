/* select and pselect6 with fd sets modified by the kernel and a timeout. */
#include "suite.h"
#include <sys/select.h>
int main(void) {
    nondet();
    int p[2];
    CHECK(pipe(p) == 0);
    fd_set r; FD_ZERO(&r); FD_SET(p[0], &r);
    struct timeval tv = {0, 15000};
    int n = select(p[0] + 1, &r, NULL, NULL, &tv);
    printf("select timeout %d left %ld\n", n, (long)tv.tv_usec);
    pid_t c = fork();
    if (c == 0) { usleep(10000); write(p[1], "y", 1); _exit(0); }
    FD_ZERO(&r); FD_SET(p[0], &r);
    fd_set w; FD_ZERO(&w); FD_SET(p[1], &w);
    n = select(p[0] + 1 > p[1] + 1 ? p[0] + 1 : p[1] + 1, &r, &w, NULL, NULL);
    printf("select %d r %d w %d\n", n, FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
    FD_ZERO(&r); FD_SET(p[0], &r);
    struct timespec ts = {1, 0};
    sigset_t m; sigemptyset(&m);
    n = pselect(p[0] + 1, &r, NULL, NULL, &ts, &m);
    printf("pselect %d\n", n);
    waitpid(c, NULL, 0);
    return 0;
}
