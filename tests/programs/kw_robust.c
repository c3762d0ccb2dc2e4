/* Robust mutexes whose owner thread dies holding them. The kernel's exit code
 * walks the dying thread's robust list (set_robust_list) and writes
 * FUTEX_OWNER_DIED into each mutex word it still owns, waking a waiter; the
 * next locker gets EOWNERDEAD. The replay must see those words as the
 * recording did: main prints the words and the lock results it computes.
 *
 * Case 1: a thread locks two robust mutexes and exits; main joins it, then
 *         locks both (EOWNERDEAD), makes them consistent, unlocks, relocks.
 * Case 2: main is blocked in pthread_mutex_lock when the owner exits: the
 *         kernel's wake-up ends its wait with EOWNERDEAD.
 * Cases 1 and 2 run with plain and with priority-inheritance (PI) mutexes.
 * Case 3: the main thread itself exits (pthread_exit) holding a robust mutex
 *         a worker is blocked on; the worker gets EOWNERDEAD and ends the
 *         process.
 * The pid and a time stamp change from run to run. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_OWNER_DIED 0x40000000u

static pthread_mutex_t first, second, contended, held_by_main;
static int ready[2];

static int protocol = PTHREAD_PRIO_NONE;

static void init_robust(pthread_mutex_t *m) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setprotocol(&attr, protocol);
    pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
}

static unsigned word(pthread_mutex_t *m) {
    /* The futex word is the first int of glibc's mutex. */
    return *(volatile unsigned *)m;
}

static const char *name(int r) {
    return r == EOWNERDEAD ? "EOWNERDEAD" : r == 0 ? "0" : strerror(r);
}

static void *take_two_and_die(void *arg) {
    (void)arg;
    pthread_mutex_lock(&first);
    pthread_mutex_lock(&second);
    return NULL; /* exits holding both */
}

static void *take_and_die_later(void *arg) {
    (void)arg;
    pthread_mutex_lock(&contended);
    if (write(ready[1], "x", 1) != 1)
        return NULL;
    /* Long enough for main to block in pthread_mutex_lock. */
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return NULL;
}

static void *outlive_main(void *arg) {
    (void)arg;
    int r = pthread_mutex_lock(&held_by_main); /* blocks until main is gone */
    int cons = r == EOWNERDEAD ? pthread_mutex_consistent(&held_by_main) : -1;
    printf("held by main: lock after main exited %s, consistent %d\n", name(r), cons);
    exit(0);
}

static void relock(const char *what, pthread_mutex_t *m) {
    unsigned before = word(m);
    int r = pthread_mutex_lock(m);
    int c = r == EOWNERDEAD ? pthread_mutex_consistent(m) : -1;
    int u = pthread_mutex_unlock(m);
    int again = pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    printf("%s%s: owner-died bit %s before locking; lock %s, consistent %d, unlock %d, lock again %s\n",
           protocol == PTHREAD_PRIO_INHERIT ? "pi " : "", what, before & FUTEX_OWNER_DIED ? "set" : "clear", name(r), c, u, name(again));
}

int main(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("pid %d at %ld.%09ld\n", getpid(), (long)now.tv_sec, now.tv_nsec);

    if (pipe(ready) != 0)
        return 1;
    pthread_t t;
    for (int pi = 0; pi < 2; pi++) {
        protocol = pi ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE;
        init_robust(&first);
        init_robust(&second);
        init_robust(&contended);

        pthread_create(&t, NULL, take_two_and_die, NULL);
        pthread_join(t, NULL);
        relock("first", &first);
        relock("second", &second);

        pthread_create(&t, NULL, take_and_die_later, NULL);
        char c;
        if (read(ready[0], &c, 1) != 1)
            return 1;
        int r = pthread_mutex_lock(&contended); /* blocks until the owner dies */
        int cons = r == EOWNERDEAD ? pthread_mutex_consistent(&contended) : -1;
        pthread_mutex_unlock(&contended);
        pthread_join(t, NULL);
        printf("%scontended: lock while the owner died %s, consistent %d\n", pi ? "pi " : "",
               name(r), cons);
    }
    fflush(stdout);

    protocol = PTHREAD_PRIO_NONE;

    init_robust(&held_by_main);
    pthread_mutex_lock(&held_by_main);
    pthread_create(&t, NULL, outlive_main, NULL);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL); /* let the worker block on the mutex */
    pthread_exit(NULL);
}
