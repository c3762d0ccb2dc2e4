// Producer/consumer benchmark: the main thread pushes ITEMS items through a
// small bounded queue (pthread mutex + two condvars) to NWORKERS worker
// threads; each worker hashes every item it takes (a little compute) and adds
// the result to its own sum. The checksum is the sum over all items, so it
// does not depend on which worker got which item.
// Usage: threads [items [rounds]]   (defaults 20000 and 20000)
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NWORKERS 4
#define QCAP 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static uint64_t queue[QCAP];
static int head, count, done;
static unsigned long rounds = 20000;

struct worker {
    pthread_t tid;
    uint64_t sum;
    unsigned long taken;
};

__attribute__((noinline)) static uint64_t work(uint64_t x) {
    for (unsigned long k = 0; k < rounds; k++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x ^ (x >> 29);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (count == 0 && !done) pthread_cond_wait(&not_empty, &lock);
        if (count == 0) {
            pthread_mutex_unlock(&lock);
            return 0;
        }
        uint64_t item = queue[head];
        head = (head + 1) % QCAP;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
        w->sum += work(item);
        w->taken++;
    }
}

int main(int argc, char **argv) {
    unsigned long items = argc > 1 ? strtoul(argv[1], 0, 10) : 20000;
    if (argc > 2) rounds = strtoul(argv[2], 0, 10);
    struct worker w[NWORKERS] = {0};
    for (int i = 0; i < NWORKERS; i++)
        if (pthread_create(&w[i].tid, 0, worker_main, &w[i]) != 0) {
            perror("pthread_create");
            return 1;
        }
    for (unsigned long i = 0; i < items; i++) {
        pthread_mutex_lock(&lock);
        while (count == QCAP) pthread_cond_wait(&not_full, &lock);
        queue[(head + count) % QCAP] = i + 1;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    done = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&lock);
    uint64_t sum = 0;
    unsigned long taken = 0;
    for (int i = 0; i < NWORKERS; i++) {
        pthread_join(w[i].tid, 0);
        sum += w[i].sum;
        taken += w[i].taken;
    }
    printf("%lu items, checksum %016llx\n", taken, (unsigned long long)sum);
    return taken == items ? 0 : 1;
}
