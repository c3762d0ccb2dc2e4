/* A worker thread faults on a PROT_NONE page, its handler siglongjmps back; the main thread is unaffected. */
#include "suite.h"
#include <pthread.h>
#include <setjmp.h>
#include <sys/mman.h>
static __thread sigjmp_buf jb;
static void h(int s) { (void)s; siglongjmp(jb, 1); }
static void *work(void *a) {
    char *p = a;
    if (sigsetjmp(jb, 1) == 0) { p[0] = 1; return (void *)0; }
    return (void *)1;
}
int main(void) {
    nondet();
    signal(SIGSEGV, h);
    char *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_t t; pthread_create(&t, NULL, work, p);
    void *r; pthread_join(t, &r);
    printf("worker recovered %ld\n", (long)r);
    return 0;
}
