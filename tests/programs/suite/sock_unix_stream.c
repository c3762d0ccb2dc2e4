/* AF_UNIX stream socket: bind/listen/accept/connect, getsockname/getpeername, SO_PEERCRED. */
#include "suite.h"
#include <sys/socket.h>
#include <sys/un.h>
int main(void) {
    nondet();
    const char *path = tmpname("sock");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(s, 4) == 0);
    pid_t c = fork();
    if (c == 0) {
        int k = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(connect(k, (struct sockaddr *)&a, sizeof a) == 0);
        dprintf(k, "hello from %d", getpid());
        _exit(0);
    }
    int conn = accept(s, NULL, NULL);
    CHECK(conn >= 0);
    struct ucred cr; socklen_t cl = sizeof cr;
    getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
    printf("peer pid is child %d uid %d\n", cr.pid == c, cr.uid);
    struct sockaddr_un n; socklen_t nl = sizeof n;
    getsockname(conn, (struct sockaddr *)&n, &nl);
    printf("sockname %s\n", n.sun_path);
    char buf[64] = {0};
    ssize_t total = 0, r;
    while ((r = read(conn, buf + total, sizeof buf - 1 - total)) > 0) total += r;
    printf("read %zd: %s\n", total, buf);
    waitpid(c, NULL, 0);
    unlink(path);
    return 0;
}
