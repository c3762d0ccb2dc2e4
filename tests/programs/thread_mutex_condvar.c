/* Mutex and condition variable contention: four producers and two consumers
 * share a small bounded queue. Which consumer gets which item, and in what
 * order, depends on scheduling; so do the thread ids printed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define ITEMS 400
#define SLOTS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static int queue[SLOTS], head, count, produced_done;
static unsigned long order_hash[2];
static int taken[2];

static void *producer(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < ITEMS / 4; i++) {
        pthread_mutex_lock(&lock);
        while (count == SLOTS) pthread_cond_wait(&not_full, &lock);
        queue[(head + count) % SLOTS] = (int)(id * 1000 + i);
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *consumer(void *arg) {
    long id = (long)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (count == 0 && !produced_done) pthread_cond_wait(&not_empty, &lock);
        if (count == 0 && produced_done) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        int item = queue[head];
        head = (head + 1) % SLOTS;
        count--;
        order_hash[id] = order_hash[id] * 31 + (unsigned)item;
        taken[id]++;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
    }
}

int main(void) {
    pthread_t p[4], c[2];
    for (long i = 0; i < 2; i++) pthread_create(&c[i], NULL, consumer, (void *)i);
    for (long i = 0; i < 4; i++) pthread_create(&p[i], NULL, producer, (void *)i);
    for (int i = 0; i < 4; i++) pthread_join(p[i], NULL);
    pthread_mutex_lock(&lock);
    produced_done = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 2; i++) pthread_join(c[i], NULL);
    printf("consumer 0 took %d (order %016lx), consumer 1 took %d (order %016lx)\n", taken[0],
           order_hash[0], taken[1], order_hash[1]);
    printf("total %d, main tid %d\n", taken[0] + taken[1], gettid());
    return taken[0] + taken[1] == ITEMS ? 0 : 1;
}
