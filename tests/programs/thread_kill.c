/* Signals and threads: pthread_kill to a thread blocked in a syscall, to a
 * thread spinning in user code, and a process-directed signal that only one
 * thread leaves unblocked. Handlers note which thread ran them. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int usr1_tid, usr2_tid, spin_hit, stop_spinning;
static atomic_int ready;

static void on_usr1(int sig) { (void)sig; atomic_store(&usr1_tid, gettid()); }
static void on_usr2(int sig) { (void)sig; atomic_store(&usr2_tid, gettid()); }
static void on_urg(int sig) { (void)sig; atomic_store(&spin_hit, 1); }

static void *sleeper(void *arg) {
    (void)arg;
    atomic_fetch_add(&ready, 1);
    while (!atomic_load(&usr1_tid)) pause();
    return (void *)(long)gettid();
}

static void *spinner(void *arg) {
    (void)arg;
    atomic_fetch_add(&ready, 1);
    while (!atomic_load_explicit(&spin_hit, memory_order_relaxed)) {
    }
    return (void *)(long)gettid();
}

static void *usr2_taker(void *arg) {
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    atomic_fetch_add(&ready, 1);
    while (!atomic_load(&usr2_tid)) usleep(1000);
    return (void *)(long)gettid();
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sa.sa_handler = on_urg;
    sigaction(SIGURG, &sa, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL); /* inherited by the threads */

    pthread_t a, b, c;
    pthread_create(&a, NULL, sleeper, NULL);
    pthread_create(&b, NULL, spinner, NULL);
    pthread_create(&c, NULL, usr2_taker, NULL);
    while (atomic_load(&ready) < 3) usleep(100);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_kill(a, SIGUSR1);
    pthread_kill(b, SIGURG);
    kill(getpid(), SIGUSR2);
    void *ra, *rb, *rc;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    pthread_join(c, &rc);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("SIGUSR1 ran in the sleeper: %s\n", (long)ra == usr1_tid ? "yes" : "no");
    printf("SIGURG stopped the spinner: %s\n", spin_hit ? "yes" : "no");
    printf("SIGUSR2 ran in the only thread accepting it: %s\n", (long)rc == usr2_tid ? "yes" : "no");
    printf("tids %ld %ld %ld, %ld us\n", (long)ra, (long)rb, (long)rc,
           (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
    return 0;
}
