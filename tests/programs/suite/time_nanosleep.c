/* nanosleep/clock_nanosleep (relative and TIMER_ABSTIME), elapsed time measured. */
#include "suite.h"
int main(void) {
    nondet();
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec d = {0, 10000000}, rem = {9, 9};
    int r = nanosleep(&d, &rem);
    long long t1 = now_ns(CLOCK_MONOTONIC);
    printf("nanosleep %d rem %ld.%ld elapsed %lld\n", r, (long)rem.tv_sec, rem.tv_nsec, t1 - t0);
    r = clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 5000000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    int r2 = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    long long t2 = now_ns(CLOCK_MONOTONIC);
    printf("clock_nanosleep %d abs %d after %d elapsed %lld\n", r, r2, t2 >= (long long)abs.tv_sec * 1000000000 + abs.tv_nsec, t2 - t1);
    return 0;
}
