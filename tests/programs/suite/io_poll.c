/* poll on pipes: timeout with nothing ready, then POLLIN and POLLHUP with revents. */
#include "suite.h"
#include <poll.h>
int main(void) {
    nondet();
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);
    struct pollfd f[2] = {{p[0], POLLIN, 0}, {q[0], POLLIN, 0}};
    long long t0 = now_ns(CLOCK_MONOTONIC);
    printf("timeout poll %d\n", poll(f, 2, 20));
    printf("waited >= 20ms %d\n", now_ns(CLOCK_MONOTONIC) - t0 >= 20000000);
    write(q[1], "x", 1);
    close(p[1]);
    int r = poll(f, 2, 1000);
    printf("poll %d revents %x %x\n", r, f[0].revents, f[1].revents);
    return 0;
}
