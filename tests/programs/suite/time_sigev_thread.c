/* A POSIX timer with SIGEV_THREAD: glibc runs the callback on a helper thread. */
#include "suite.h"
#include <pthread.h>
#include <semaphore.h>
static sem_t fired;
static volatile int value;
static void cb(union sigval v) { value = v.sival_int; sem_post(&fired); }
int main(void) {
    nondet();
    sem_init(&fired, 0, 0);
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = cb, .sigev_value.sival_int = 4242};
    timer_t t;
    CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    struct itimerspec its = {{0, 0}, {0, 5000000}};
    CHECK(timer_settime(t, 0, &its, NULL) == 0);
    sem_wait(&fired);
    printf("callback value %d\n", value);
    timer_delete(t);
    return 0;
}
