/* Nonblocking TCP connect: EINPROGRESS, poll for POLLOUT, SO_ERROR; then connect to a closed port (ECONNREFUSED). */
#include "suite.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
int main(void) {
    nondet();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    CHECK(listen(s, 1) == 0);
    int k = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(k, (struct sockaddr *)&a, sizeof a);
    printf("connect %d errno %d\n", r, r ? errno : 0);
    struct pollfd f = {k, POLLOUT, 0};
    int ready = poll(&f, 1, 1000);
    printf("poll %d revents %x\n", ready, f.revents);
    int err = -1; socklen_t el = sizeof err;
    getsockopt(k, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("so_error %d port %d\n", err, ntohs(a.sin_port));
    close(s);
    int k2 = socket(AF_INET, SOCK_STREAM, 0);
    r = connect(k2, (struct sockaddr *)&a, sizeof a);
    printf("closed port %d errno %d\n", r, r ? errno : 0);
    return 0;
}
