/* A signal blocked normally but unblocked by a call's temporary mask (ppoll,
 * pselect6, epoll_pwait, sigsuspend): pending before the call, it interrupts
 * the call with EINTR and its handler runs. The pid makes runs differ. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

static volatile int got;
static void on_usr1(int sig) { (void)sig; got++; }

int main(void) {
    signal(SIGUSR1, on_usr1);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    int fds[2];
    pipe(fds);
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    struct timespec ts = {5, 0};

    kill(getpid(), SIGUSR1);
    int r = ppoll(&p, 1, &ts, &empty);
    printf("ppoll: %d %s, handler runs %d\n", r, strerror(errno), got);

    kill(getpid(), SIGUSR1);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fds[0], &rd);
    r = pselect(fds[0] + 1, &rd, NULL, NULL, &ts, &empty);
    printf("pselect: %d %s, handler runs %d\n", r, strerror(errno), got);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
    kill(getpid(), SIGUSR1);
    r = epoll_pwait(ep, &ev, 1, 5000, &empty);
    printf("epoll_pwait: %d %s, handler runs %d\n", r, strerror(errno), got);

    kill(getpid(), SIGUSR1);
    sigsuspend(&empty);
    printf("sigsuspend: handler runs %d\n", got);
    printf("pid %d\n", getpid());
    return 0;
}
