/* A worker thread dereferences NULL while the main thread waits in join and
 * another sleeps: the whole process dies of SIGSEGV. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int *volatile nowhere;

static void *crasher(void *arg) {
    (void)arg;
    usleep(2000);
    return (void *)(long)*nowhere;
}

static void *sleeper(void *arg) { (void)arg; sleep(100); return NULL; }

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("starting at %ld\n", ts.tv_nsec);
    fflush(stdout);
    pthread_t a, b;
    pthread_create(&b, NULL, sleeper, NULL);
    pthread_create(&a, NULL, crasher, NULL);
    pthread_join(a, NULL);
    printf("not reached\n");
    return 0;
}
