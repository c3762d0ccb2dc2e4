/* rewind monitor: `mon_spawn_until STOPFILE` creates and joins short-lived
 * threads in a loop until STOPFILE exists (so there is always a thread being
 * created or exiting while rewind attaches), checks that every
 * pthread_create started exactly one thread; prints the count, exits 0 if
 * all is well, 1 if not. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_long started;

static void *short_lived(void *arg) {
    (void)arg;
    atomic_fetch_add(&started, 1);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    long created = 0;
    while (created % 256 != 0 || access(argv[1], F_OK) != 0) {
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
