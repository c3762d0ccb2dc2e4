/* SIGBUS from touching a file mapping beyond the end of the file, recovered with siglongjmp. */
#include "suite.h"
#include <setjmp.h>
#include <sys/mman.h>
static sigjmp_buf jb;
static volatile int code;
static void h(int s, siginfo_t *si, void *u) { (void)s; (void)u; code = si->si_code; siglongjmp(jb, 1); }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGBUS, &sa, NULL);
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    ftruncate(fd, 100);
    char *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    volatile char c = m[50];
    if (sigsetjmp(jb, 1) == 0) { c = m[5000]; printf("no fault\n"); }
    else printf("SIGBUS code %d\n", code);
    (void)c;
    unlink(p);
    return 0;
}
