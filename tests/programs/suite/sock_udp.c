/* UDP on loopback: sendto/recvfrom with source addresses, MSG_DONTWAIT EAGAIN. */
#include "suite.h"
#include <netinet/in.h>
#include <sys/socket.h>
#include <arpa/inet.h>
int main(void) {
    nondet();
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in sb = sa;
    CHECK(bind(a, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(bind(b, (struct sockaddr *)&sb, sizeof sb) == 0);
    socklen_t l = sizeof sb;
    getsockname(b, (struct sockaddr *)&sb, &l);
    l = sizeof sa;
    getsockname(a, (struct sockaddr *)&sa, &l);
    char m[32]; int n = snprintf(m, sizeof m, "udp %d", getpid());
    sendto(a, m, n, 0, (struct sockaddr *)&sb, sizeof sb);
    char buf[64] = {0};
    struct sockaddr_in from; socklen_t fl = sizeof from;
    ssize_t r = recvfrom(b, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fl);
    printf("got %zd %s from port matches %d (port %d)\n", r, buf, from.sin_port == sa.sin_port, ntohs(from.sin_port));
    r = recvfrom(b, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL);
    printf("empty %zd errno %d\n", r, errno);
    return 0;
}
