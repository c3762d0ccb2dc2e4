/* A thread blocks in epoll_wait while another writes to the watched pipe. */
#include "suite.h"
#include <pthread.h>
#include <sys/epoll.h>
static int p[2];
static void *writer(void *a) {
    (void)a;
    usleep(10000);
    char m[32]; int n = snprintf(m, sizeof m, "t%lld", now_ns(CLOCK_MONOTONIC) % 1000);
    write(p[1], m, n);
    return NULL;
}
int main(void) {
    nondet();
    pipe(p);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = p[0]};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
    pthread_t t; pthread_create(&t, NULL, writer, NULL);
    struct epoll_event out;
    int n = epoll_wait(ep, &out, 1, 5000);
    char buf[32] = {0};
    read(p[0], buf, sizeof buf - 1);
    printf("epoll %d fd ok %d got %s\n", n, out.data.fd == p[0], buf);
    pthread_join(t, NULL);
    return 0;
}
