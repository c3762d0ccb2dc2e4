/* A raw NETLINK_ROUTE socket: RTM_GETLINK dump, replies counted until NLMSG_DONE. */
#include "suite.h"
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
int main(void) {
    nondet();
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECK(s >= 0);
    struct { struct nlmsghdr h; struct rtgenmsg g; } req = {
        .h = {.nlmsg_len = sizeof req, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
        .g = {.rtgen_family = AF_UNSPEC}};
    CHECK(send(s, &req, sizeof req, 0) == (ssize_t)sizeof req);
    char buf[32768];
    int links = 0, done = 0;
    while (!done) {
        ssize_t n = recv(s, buf, sizeof buf, 0);
        CHECK(n > 0);
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) done = 1;
            else if (h->nlmsg_type == RTM_NEWLINK) links++;
        }
    }
    printf("links %d\n", links);
    return 0;
}
