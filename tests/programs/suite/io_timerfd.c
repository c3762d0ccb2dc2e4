/* timerfd: periodic timer, read expirations count, timerfd_gettime. */
#include "suite.h"
#include <sys/timerfd.h>
int main(void) {
    nondet();
    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 5000000}, {0, 5000000}};
    CHECK(timerfd_settime(t, 0, &its, NULL) == 0);
    uint64_t n = 0;
    read(t, &n, 8);
    printf("first read %llu\n", (unsigned long long)(n >= 1));
    usleep(30000);
    read(t, &n, 8);
    printf("after sleep expirations %llu\n", (unsigned long long)n);
    struct itimerspec cur;
    timerfd_gettime(t, &cur);
    printf("remaining %ld interval %ld\n", cur.it_value.tv_nsec, cur.it_interval.tv_nsec);
    return 0;
}
