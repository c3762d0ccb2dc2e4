/* exit() while other threads are asleep, blocked on a mutex and blocked
 * reading a pipe: the process ends with main's status. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static int fds[2];

static void *sleeper(void *arg) { (void)arg; sleep(100); return NULL; }
static void *locker(void *arg) { (void)arg; pthread_mutex_lock(&held); return NULL; }
static void *reader(void *arg) {
    (void)arg;
    char b;
    if (read(fds[0], &b, 1) < 0) return NULL;
    return NULL;
}

int main(void) {
    if (pipe(fds)) return 2;
    pthread_mutex_lock(&held);
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, locker, NULL);
    pthread_create(&t, NULL, reader, NULL);
    usleep(20000);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("leaving at %ld with three threads blocked (tid %d)\n", ts.tv_nsec, gettid());
    fflush(stdout);
    exit(3);
}
