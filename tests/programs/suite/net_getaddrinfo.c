/* getaddrinfo for localhost and a numeric address (reads /etc/hosts, nsswitch), getifaddrs (netlink). */
#include "suite.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
int main(void) {
    nondet();
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    int r = getaddrinfo("localhost", "80", &hints, &res);
    char buf[64] = "-";
    if (r == 0) inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, buf, sizeof buf);
    printf("localhost %d %s\n", r, buf);
    r = getaddrinfo("127.0.0.2", NULL, &hints, &res);
    printf("numeric %d\n", r);
    struct ifaddrs *ifa;
    CHECK(getifaddrs(&ifa) == 0);
    int n = 0, lo = 0;
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) { n++; lo |= strcmp(i->ifa_name, "lo") == 0; }
    printf("interfaces entries %d has lo %d\n", n, lo);
    freeifaddrs(ifa);
    return 0;
}
