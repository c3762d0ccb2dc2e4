/* Walking off a buffer into a PROT_NONE guard page faults at exactly the guard address. */
#include "suite.h"
#include <setjmp.h>
#include <sys/mman.h>
static sigjmp_buf jb;
static char *volatile addr;
static void h(int s, siginfo_t *si, void *u) { (void)s; (void)u; addr = si->si_addr; siglongjmp(jb, 1); }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGSEGV, &sa, NULL);
    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(m + 2 * 4096, 4096, PROT_NONE);
    volatile size_t i = 0;
    if (sigsetjmp(jb, 1) == 0) for (i = 0;; i++) m[i] = 1;
    printf("faulted at offset %ld after %zu writes map %p\n", (long)(addr - m), (size_t)i, (void *)m);
    return 0;
}
