/* A recording rewind has to stop itself: a thread sits blocked in read() on a
 * pipe and another in epoll_wait while the main thread prints, then creates a
 * process sharing its memory (clone with CLONE_VM and not CLONE_THREAD), which
 * rewind cannot record. The trace must replay up to there and end cleanly. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds[2];

static void *reader(void *arg) {
    (void)arg;
    char c;
    read(fds[0], &c, 1);
    return NULL;
}

static void *poller(void *arg) {
    (void)arg;
    int ep = epoll_create1(0);
    struct epoll_event ev;
    epoll_wait(ep, &ev, 1, -1);
    return NULL;
}

static int child(void *arg) {
    (void)arg;
    return 0;
}

int main(void) {
    pipe(fds);
    pthread_t a, b;
    pthread_create(&a, NULL, reader, NULL);
    pthread_create(&b, NULL, poller, NULL);
    usleep(20000);
    printf("pid %d, threads waiting\n", getpid());
    fflush(stdout);
    char *stack = malloc(65536);
    int pid = clone(child, stack + 65536, CLONE_VM | SIGCHLD, NULL);
    waitpid(pid, NULL, 0);
    printf("not reached under rewind\n");
    return 0;
}
