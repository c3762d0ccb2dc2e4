/* A handler raises another signal: nested handler runs inside the first; depth recorded. */
#include "suite.h"
static volatile char log_[64]; static volatile int pos, depth, maxdepth;
static void h2(int s) { (void)s; depth++; if (depth > maxdepth) maxdepth = depth; log_[pos++] = 'b'; depth--; }
static void h1(int s) { (void)s; depth++; log_[pos++] = 'a'; raise(SIGUSR2); log_[pos++] = 'c'; depth--; }
int main(void) {
    nondet();
    signal(SIGUSR1, h1); signal(SIGUSR2, h2);
    raise(SIGUSR1);
    printf("order %s maxdepth %d\n", (char *)log_, maxdepth);
    return 0;
}
