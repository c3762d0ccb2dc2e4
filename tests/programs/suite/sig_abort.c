/* abort() with a SIGABRT handler that returns: the process still dies by SIGABRT. */
#include "suite.h"
/* SUITE_EXIT 134 */
static void h(int s) { printf("handler saw %d\n", s); fflush(stdout); }
int main(void) {
    nondet();
    signal(SIGABRT, h);
    fflush(stdout);
    abort();
}
