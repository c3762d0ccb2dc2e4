/* TCP on loopback: ephemeral port, connect, send/recv both ways, getpeername. */
#include "suite.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <arpa/inet.h>
int main(void) {
    nondet();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    printf("port %d\n", ntohs(a.sin_port));
    CHECK(listen(s, 1) == 0);
    int k = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(k, (struct sockaddr *)&a, sizeof a) == 0);
    struct sockaddr_in peer; socklen_t pl = sizeof peer;
    int conn = accept(s, (struct sockaddr *)&peer, &pl);
    CHECK(conn >= 0);
    printf("peer port %d\n", ntohs(peer.sin_port));
    int one = 1;
    setsockopt(k, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char m[32]; int n = snprintf(m, sizeof m, "ping %d", getpid());
    send(k, m, n, 0);
    char buf[64] = {0};
    printf("server got %zd %s\n", recv(conn, buf, sizeof buf - 1, 0), buf);
    send(conn, "pong", 4, 0);
    memset(buf, 0, sizeof buf);
    printf("client got %zd %s\n", recv(k, buf, sizeof buf - 1, 0), buf);
    struct tcp_info ti; socklen_t tl = sizeof ti;
    getsockopt(k, IPPROTO_TCP, TCP_INFO, &ti, &tl);
    printf("tcp state %d\n", ti.tcpi_state);
    return 0;
}
