/* Thread-local storage: each thread has its own copy of initialised and zeroed
 * __thread variables, errno, and a thread-specific key's value. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static __thread int counter = 100;
static __thread char name[32];
static pthread_key_t key;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < id * 10; i++) counter++;
    snprintf(name, sizeof name, "worker-%ld-%d", id, gettid() % 1000);
    pthread_setspecific(key, (void *)(id + 7));
    errno = (int)id;
    usleep(1000);
    long r = counter * 1000 + (long)pthread_getspecific(key) * 10 + errno;
    printf("%s: counter %d errno %d key %ld\n", name, counter, errno, (long)pthread_getspecific(key));
    return (void *)r;
}

int main(void) {
    pthread_key_create(&key, NULL);
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    long sum = 0;
    for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); sum += (long)r; }
    printf("main: counter %d (untouched), sum %ld, tid %d\n", counter, sum, gettid());
    return 0;
}
