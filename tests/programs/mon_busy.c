/* rewind monitor: `mon_busy MS` computes without system calls for MS
 * milliseconds (checking the clock now and then), exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    int ms = argc > 1 ? atoi(argv[1]) : 2000;
    double end = now_ms() + ms;
    volatile unsigned long x = 0;
    while (now_ms() < end)
        for (int i = 0; i < 100000; i++)
            x += i;
    printf("busy done\n");
    return 0;
}
