/* epoll: level and edge triggered, data.u64 round trip, EPOLL_CTL_MOD/DEL, timeout. */
#include "suite.h"
#include <sys/epoll.h>
int main(void) {
    nondet();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = 0x1111000000000000ULL | getpid()};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == 0);
    e.events = EPOLLIN | EPOLLET; e.data.u64 = 42;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &e) == 0);
    struct epoll_event out[4];
    printf("timeout %d\n", epoll_wait(ep, out, 4, 10));
    write(p[1], "a", 1); write(q[1], "b", 1);
    int n = epoll_wait(ep, out, 4, 100);
    printf("ready %d\n", n);
    for (int i = 0; i < n; i++) printf("  data %llx events %x\n", (unsigned long long)out[i].data.u64, out[i].events);
    n = epoll_wait(ep, out, 4, 0);
    printf("again (edge one silent) %d data %llx\n", n, n ? (unsigned long long)out[0].data.u64 : 0ULL);
    e.events = EPOLLOUT; e.data.u64 = 7;
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e);
    n = epoll_pwait(ep, out, 4, 0, NULL);
    printf("pwait %d data %llu\n", n, n ? (unsigned long long)out[0].data.u64 : 0ULL);
    return 0;
}
