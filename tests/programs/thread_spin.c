/* Syscall-free spin waits on a flag another thread sets: the main thread spins
 * (plain loads) until a worker sets `go`; then the worker spins (with pause)
 * until main sets `back`. Neither loop makes a syscall, so without preemption
 * a one-thread-at-a-time recorder would never finish. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int go, back;
static long worker_ns;

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *worker(void *arg) {
    (void)arg;
    worker_ns = now_ns();
    atomic_store(&go, 1);
    while (!atomic_load_explicit(&back, memory_order_acquire)) __builtin_ia32_pause();
    return NULL;
}

int main(void) {
    long start = now_ns();
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!atomic_load_explicit(&go, memory_order_relaxed)) {
    }
    long seen = now_ns();
    atomic_store(&back, 1);
    pthread_join(t, NULL);
    printf("worker set the flag %ld ns after start; main saw it %ld ns after that\n",
           worker_ns - start, seen - worker_ns);
    return 0;
}
