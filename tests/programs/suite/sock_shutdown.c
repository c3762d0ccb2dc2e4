/* shutdown(SHUT_WR) gives the peer EOF; writing after shutdown gives EPIPE. */
#include "suite.h"
#include <sys/socket.h>
int main(void) {
    nondet();
    signal(SIGPIPE, SIG_IGN);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char m[32]; int n = snprintf(m, sizeof m, "bye %d", getpid());
    write(sv[0], m, n);
    printf("shutdown %d\n", shutdown(sv[0], SHUT_WR));
    char buf[64] = {0};
    printf("read %zd %s\n", read(sv[1], buf, sizeof buf - 1), buf);
    printf("eof %zd\n", read(sv[1], buf, sizeof buf));
    SHOW_ERR("write after", write(sv[0], "x", 1));
    printf("other way %zd\n", write(sv[1], "y", 1));
    printf("read other %zd\n", read(sv[0], buf, 1));
    return 0;
}
