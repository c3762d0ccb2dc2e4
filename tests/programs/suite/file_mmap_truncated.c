/* A mapped file shrunk by ftruncate: touching the cut-off page raises SIGBUS (recovered). */
#include "suite.h"
#include <setjmp.h>
#include <sys/mman.h>
static sigjmp_buf jb;
static void h(int s) { (void)s; siglongjmp(jb, 1); }
int main(void) {
    nondet();
    signal(SIGBUS, h);
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(ftruncate(fd, 8192) == 0);
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[4096] = 'x';
    CHECK(ftruncate(fd, 100) == 0);
    volatile char c = 0;
    if (sigsetjmp(jb, 1) == 0) { c = m[4096]; printf("no SIGBUS, read %d\n", c); }
    else printf("SIGBUS after truncate\n");
    unlink(p);
    return 0;
}
