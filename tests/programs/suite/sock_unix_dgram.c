/* AF_UNIX datagram sockets with addresses: sendto/recvfrom, message boundaries kept. */
#include "suite.h"
#include <sys/socket.h>
#include <sys/un.h>
int main(void) {
    nondet();
    char pa[64], pb[64];
    strcpy(pa, tmpname("da")); strcpy(pb, tmpname("db"));
    int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX}, sb = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, pa); strcpy(sb.sun_path, pb);
    CHECK(bind(a, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(bind(b, (struct sockaddr *)&sb, sizeof sb) == 0);
    char m[32];
    int n = snprintf(m, sizeof m, "dgram %d", getpid());
    sendto(a, m, n, 0, (struct sockaddr *)&sb, sizeof sb);
    sendto(a, "second", 6, 0, (struct sockaddr *)&sb, sizeof sb);
    char buf[64] = {0};
    struct sockaddr_un from; socklen_t fl = sizeof from;
    ssize_t r = recvfrom(b, buf, 3, 0, (struct sockaddr *)&from, &fl);
    printf("truncated %zd %.3s from %s\n", r, buf, from.sun_path);
    memset(buf, 0, sizeof buf);
    r = recvfrom(b, buf, sizeof buf, 0, NULL, NULL);
    printf("next %zd %s\n", r, buf);
    unlink(pa); unlink(pb);
    return 0;
}
