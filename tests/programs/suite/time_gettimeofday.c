/* gettimeofday, time(), and the raw syscalls (not the vDSO) for both. */
#include "suite.h"
#include <sys/syscall.h>
#include <sys/time.h>
int main(void) {
    nondet();
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("gettimeofday %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
    printf("time %ld\n", (long)time(NULL));
    syscall(SYS_gettimeofday, &tv, NULL);
    printf("raw gettimeofday %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
    time_t t2;
    long r = syscall(SYS_time, &t2);
    printf("raw time %ld %ld\n", r, (long)t2);
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    printf("raw monotonic %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    return 0;
}
