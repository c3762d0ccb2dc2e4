/* SOCK_SEQPACKET socketpair: records preserved, MSG_TRUNC reports the real length. */
#include "suite.h"
#include <sys/socket.h>
int main(void) {
    nondet();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
    char m[64];
    int n = snprintf(m, sizeof m, "packet one from %d", getpid());
    send(sv[0], m, n, 0);
    send(sv[0], "two", 3, 0);
    char buf[8] = {0};
    ssize_t r = recv(sv[1], buf, 4, MSG_TRUNC);
    printf("MSG_TRUNC %zd (real %d) %.4s\n", r, n, buf);
    memset(buf, 0, sizeof buf);
    r = recv(sv[1], buf, sizeof buf - 1, 0);
    printf("second %zd %s\n", r, buf);
    return 0;
}
