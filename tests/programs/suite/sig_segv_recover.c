/* Repeated SIGSEGV on a protected page, recovered with siglongjmp; si_addr reported. */
#include "suite.h"
#include <setjmp.h>
#include <sys/mman.h>
static sigjmp_buf jb;
static void *volatile fault_addr;
static void h(int s, siginfo_t *si, void *u) { (void)s; (void)u; fault_addr = si->si_addr; siglongjmp(jb, 1); }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGSEGV, &sa, NULL);
    char *p = mmap(NULL, 4096 * 4, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int faults = 0;
    for (int i = 0; i < 4; i++) {
        if (sigsetjmp(jb, 1) == 0) { p[i * 4096 + 7] = 1; }
        else { faults++; printf("fault %d at offset %ld\n", i, (long)((char *)fault_addr - p)); }
    }
    printf("faults %d map %p\n", faults, (void *)p);
    return 0;
}
