/* SIGQUIT's default action (core dump, disabled by RLIMIT_CORE 0): the process dies by SIGQUIT. */
#include "suite.h"
#include <sys/resource.h>
/* SUITE_EXIT 131 */
int main(void) {
    nondet();
    struct rlimit r = {0, 0};
    setrlimit(RLIMIT_CORE, &r);
    raise(SIGQUIT);
    return 0;
}
