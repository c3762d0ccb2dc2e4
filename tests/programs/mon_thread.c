/* rewind monitor: a worker thread writes through NULL while the main thread
 * waits for it in pthread_join. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int *volatile nowhere;
static volatile int after;

__attribute__((noinline)) static void worker_crash(int x) {
    *nowhere = x; /* MON_THREAD_CRASH */
    after++;
}

static void *worker(void *arg) {
    usleep(100 * 1000); /* let main block in pthread_join */
    worker_crash((int)(long)arg);
    after++;
    return NULL;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, worker, (void *)7L);
    pthread_join(t, NULL);
    printf("not reached\n");
    return 0;
}
