/* rewind monitor: `mon_late MS [thread]` sleeps MS milliseconds, then writes
 * through NULL in late_crash (called from main, or from a second thread with
 * "thread"). Used for --duration, --pid and --name. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int *volatile nowhere;
static volatile int after;
static int delay_ms;

__attribute__((noinline)) static void late_crash(int x) {
    *nowhere = x; /* MON_LATE_CRASH */
    after++;
}

static void *late_thread(void *arg) {
    (void)arg;
    usleep(delay_ms * 1000);
    late_crash(2);
    after++;
    return NULL;
}

int main(int argc, char **argv) {
    delay_ms = argc > 1 ? atoi(argv[1]) : 1000;
    printf("pid %d\n", getpid());
    fflush(stdout);
    if (argc > 2 && strcmp(argv[2], "thread") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, late_thread, NULL);
        pthread_join(t, NULL);
        return 0;
    }
    usleep(delay_ms * 1000);
    late_crash(1);
    after++;
    return 0;
}
