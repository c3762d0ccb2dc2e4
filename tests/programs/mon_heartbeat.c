/* rewind snapshot: `mon_heartbeat FILE SECS` runs two threads; the second
 * appends a numbered line to FILE every 100 ms, the main thread sleeps in a
 * loop; exits 0 after SECS seconds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *path;
static volatile int done;

static void *beater(void *arg) {
    (void)arg;
    for (int n = 0; !done; n++) {
        FILE *f = fopen(path, "a");
        if (f) {
            fprintf(f, "beat %d\n", n);
            fclose(f);
        }
        usleep(100 * 1000);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    path = argv[1];
    int secs = argc > 2 ? atoi(argv[2]) : 20;
    pthread_t t;
    pthread_create(&t, NULL, beater, NULL);
    for (int i = 0; i < secs * 10; i++)
        usleep(100 * 1000);
    done = 1;
    pthread_join(t, NULL);
    return 0;
}
