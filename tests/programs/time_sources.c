/* Time sources: vDSO clock_gettime (REALTIME, MONOTONIC), the raw syscall,
 * gettimeofday and time(). Every value differs from one native run to the next. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec rt, mono, raw, boot;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &raw);
    clock_gettime(CLOCK_BOOTTIME, &boot);
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    printf("realtime: %lld.%09ld\n", (long long)rt.tv_sec, rt.tv_nsec);
    printf("monotonic: %lld.%09ld\n", (long long)mono.tv_sec, mono.tv_nsec);
    printf("monotonic_raw (syscall): %lld.%09ld\n", (long long)raw.tv_sec, raw.tv_nsec);
    printf("boottime: %lld.%09ld\n", (long long)boot.tv_sec, boot.tv_nsec);
    printf("gettimeofday: %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
    printf("time: %lld\n", (long long)t);
    /* A monotonic clock read in a loop: the number of distinct values seen
     * in a fixed number of reads varies. */
    long long first = mono.tv_sec * 1000000000LL + mono.tv_nsec, last = first;
    for (int i = 0; i < 1000; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        long long now = ts.tv_sec * 1000000000LL + ts.tv_nsec;
        if (now < last) {
            printf("monotonic went backwards\n");
            return 1;
        }
        last = now;
    }
    printf("1000 monotonic reads took %lld ns\n", last - first);
    return 0;
}
