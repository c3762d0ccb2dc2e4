/* rewind monitor: `mon_threads N MS` starts N threads that sleep MS
 * milliseconds, joins them, exits 0. */
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
    int n = argc > 1 ? atoi(argv[1]) : 5;
    ms = argc > 2 ? atoi(argv[2]) : 2000;
    pthread_t t[64];
    if (n > 64)
        n = 64;
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, sleeper, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    printf("%d threads done\n", n);
    return 0;
}
