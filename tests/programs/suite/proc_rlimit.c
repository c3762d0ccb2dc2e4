/* getrlimit/setrlimit/prlimit, and RLIMIT_NOFILE enforced on open (EMFILE). */
#include "suite.h"
#include <sys/resource.h>
int main(void) {
    nondet();
    struct rlimit r;
    getrlimit(RLIMIT_STACK, &r);
    printf("stack cur %lu\n", (unsigned long)r.rlim_cur);
    struct rlimit n = {16, 16}, old;
    CHECK(prlimit(0, RLIMIT_NOFILE, &n, &old) == 0);
    printf("old nofile %lu\n", (unsigned long)old.rlim_cur);
    int opened = 0;
    while (open("/dev/null", O_RDONLY) >= 0) opened++;
    printf("opened %d then errno %d\n", opened, errno);
    getrlimit(RLIMIT_NOFILE, &r);
    printf("now %lu\n", (unsigned long)r.rlim_cur);
    struct rlimit core = {0, 0};
    printf("setrlimit core %d\n", setrlimit(RLIMIT_CORE, &core));
    return 0;
}
