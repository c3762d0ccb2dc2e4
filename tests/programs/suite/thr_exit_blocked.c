/* The main thread exits the process while other threads are blocked in read, futex and nanosleep. */
#include "suite.h"
#include <pthread.h>
/* SUITE_EXIT 7 */
static int p[2];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static void *reader(void *a) { (void)a; char b; read(p[0], &b, 1); return NULL; }
static void *locker(void *a) { (void)a; pthread_mutex_lock(&m); return NULL; }
static void *sleeper(void *a) { (void)a; sleep(100); return NULL; }
int main(void) {
    nondet();
    pipe(p);
    pthread_mutex_lock(&m);
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    pthread_create(&t, NULL, locker, NULL);
    pthread_create(&t, NULL, sleeper, NULL);
    usleep(20000);
    printf("exiting with threads blocked\n");
    fflush(stdout);
    exit(7);
}
