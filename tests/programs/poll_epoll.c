/* Timing-dependent readiness: poll with a 1 ms timeout on a pipe until a child
 * writes (the number of timeouts varies), then epoll and select on it. */
#include <poll.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        usleep(15000);
        write(p[1], "a", 1);
        usleep(10000);
        write(p[1], "bc", 2);
        usleep(10000);
        write(p[1], "def", 3);
        _exit(0);
    }
    close(p[1]);
    int timeouts = 0;
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    int r;
    while ((r = poll(&pfd, 1, 1)) == 0) timeouts++;
    char buf[16];
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("poll: %d timeouts, then %d ready (revents %#x), read %zd\n", timeouts, r, pfd.revents, n);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    int waits = 0;
    struct epoll_event out;
    while ((r = epoll_wait(ep, &out, 1, 1)) == 0) waits++;
    n = read(p[0], buf, sizeof buf);
    printf("epoll: %d empty waits, then %d event data %#lx, read %zd\n", waits, r, (unsigned long)out.data.u64, n);

    int selects = 0;
    for (;;) {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(p[0], &rd);
        struct timeval tv = {0, 1000};
        r = select(p[0] + 1, &rd, NULL, NULL, &tv);
        if (r != 0) {
            printf("select: %d timeouts, %d ready, tv left %ld us\n", selects, r, (long)tv.tv_usec);
            break;
        }
        selects++;
    }
    n = read(p[0], buf, sizeof buf);
    printf("read %zd bytes, then ", n);
    n = read(p[0], buf, sizeof buf);
    printf("EOF read %zd\n", n);
    waitpid(child, NULL, 0);
    return 0;
}
