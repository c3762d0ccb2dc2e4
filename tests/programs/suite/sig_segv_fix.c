/* A SIGSEGV handler mprotects the page and returns: the faulting write is retried and succeeds. */
#include "suite.h"
#include <sys/mman.h>
static char *page;
static volatile int handled;
static void h(int s) { (void)s; handled++; mprotect(page, 4096, PROT_READ | PROT_WRITE); }
int main(void) {
    nondet();
    signal(SIGSEGV, h);
    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[100] = (char)(getpid() & 0x7f);
    printf("handled %d value %d\n", handled, page[100]);
    return 0;
}
