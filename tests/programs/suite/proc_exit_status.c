/* The process exits with a status computed at run time (always 42), after atexit handlers run. */
#include "suite.h"
/* SUITE_EXIT 42 */
static void bye(void) { printf("atexit in %d\n", getpid()); }
int main(void) {
    nondet();
    atexit(bye);
    exit(40 + (getpid() > 0) * 2);
}
