/* rewind monitor: `mon_memory MIB MS [THREADS]` allocates MIB MiB, touches
 * every page, sleeps MS milliseconds (with THREADS more threads sleeping as
 * long), exits 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int ms;

static void *sleeper(void *arg) {
    (void)arg;
    usleep(ms * 1000);
    return NULL;
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 300;
    ms = argc > 2 ? atoi(argv[2]) : 2000;
    int nthreads = argc > 3 ? atoi(argv[3]) : 0;
    pthread_t t[16];
    if (nthreads > 16)
        nthreads = 16;
    volatile char *p = malloc(mib << 20);
    if (!p)
        return 1;
    for (size_t i = 0; i < (mib << 20); i += 4096)
        p[i] = (char)(i >> 12) | 1;
    for (int i = 0; i < nthreads; i++)
        pthread_create(&t[i], NULL, sleeper, NULL);
    usleep(ms * 1000);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    printf("touched %zu MiB\n", mib);
    return 0;
}
