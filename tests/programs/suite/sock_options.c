/* getsockopt/setsockopt: buffer sizes (kernel doubles them), SO_TYPE, SO_ERROR, SO_RCVTIMEO timing out. */
#include "suite.h"
#include <sys/socket.h>
#include <sys/time.h>
int main(void) {
    nondet();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int v = 20000; socklen_t l = sizeof v;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
    printf("sndbuf %d\n", v);
    l = sizeof v; getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l);
    printf("type %d\n", v);
    l = sizeof v; getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &l);
    printf("error %d\n", v);
    struct timeval tv = {0, 30000};
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    long long t0 = now_ns(CLOCK_MONOTONIC);
    char b;
    ssize_t r = recv(sv[1], &b, 1, 0);
    printf("timed out %zd errno %d after >=30ms %d\n", r, errno, now_ns(CLOCK_MONOTONIC) - t0 >= 30000000);
    return 0;
}
