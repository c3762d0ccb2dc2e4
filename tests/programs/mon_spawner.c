/* rewind monitor: `mon_spawner MS` creates and joins short-lived threads in a
 * loop for MS milliseconds and checks that every pthread_create started
 * exactly one thread; prints the count, exits 0 if all is well, 1 if not. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static atomic_long started;

static void *short_lived(void *arg) {
    (void)arg;
    atomic_fetch_add(&started, 1);
    return NULL;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    int ms = argc > 1 ? atoi(argv[1]) : 2000;
    double end = now_ms() + ms;
    long created = 0;
    while (now_ms() < end) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_lived, NULL) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
        pthread_join(t, NULL);
        created++;
    }
    long s = atomic_load(&started);
    printf("created %ld threads, %ld started\n", created, s);
    return s == created ? 0 : 1;
}
