/* clock_gettime on every clock, and clock_getres. */
#include "suite.h"
int main(void) {
    nondet();
    clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                       CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_TAI};
    for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        struct timespec t, r;
        int a = clock_gettime(ids[i], &t), b = clock_getres(ids[i], &r);
        printf("clock %d: %d %ld.%09ld res %d %ld\n", ids[i], a, (long)t.tv_sec, t.tv_nsec, b, r.tv_nsec);
    }
    struct timespec t;
    SHOW_ERR("bad clock", clock_gettime(1234, &t));
    return 0;
}
