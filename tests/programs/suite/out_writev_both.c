/* Output through writev on stdout and write/dprintf on stderr, interleaved. */
#include "suite.h"
#include <sys/uio.h>
int main(void) {
    nondet();
    char a[32], b[32];
    int la = snprintf(a, sizeof a, "writev part one %d, ", getpid());
    int lb = snprintf(b, sizeof b, "part two %lld\n", now_ns(CLOCK_MONOTONIC) % 1000);
    for (int i = 0; i < 3; i++) {
        struct iovec iov[2] = {{a, (size_t)la}, {b, (size_t)lb}};
        writev(1, iov, 2);
        dprintf(2, "stderr line %d\n", i);
        struct iovec e = {"stderr via writev\n", 18};
        writev(2, &e, 1);
    }
    return 0;
}
