/* An unhandled NULL dereference: the process dies by SIGSEGV after printing. */
#include "suite.h"
/* SUITE_EXIT 139 */
int main(void) {
    nondet();
    fflush(stdout);
    volatile int *p = (int *)(uintptr_t)(getpid() < 0);
    *p = 1;
    return 0;
}
