/* access/faccessat/faccessat2 and the errno for missing files. */
#include "suite.h"
#include <sys/syscall.h>
int main(void) {
    nondet();
    printf("/ %d\n", access("/", R_OK | X_OK));
    SHOW_ERR("missing", access("/no/such", F_OK));
    printf("faccessat %d\n", faccessat(AT_FDCWD, "/proc/self/status", R_OK, 0));
    long r = syscall(SYS_faccessat2, AT_FDCWD, "/proc/self/exe", X_OK, AT_EACCESS);
    printf("faccessat2 %ld\n", r);
    SHOW_ERR("enotdir", access("/proc/self/status/x", F_OK));
    return 0;
}
