/* An abstract-namespace unix socket (no file), accept4 with SOCK_CLOEXEC, credentials of the peer. */
#include "suite.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(void) {
    nondet();
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int len = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "suite-%d", getpid()) + 1;
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + len;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(s, (struct sockaddr *)&a, alen) == 0);
    CHECK(listen(s, 1) == 0);
    int k = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(k, (struct sockaddr *)&a, alen) == 0);
    int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    CHECK(conn >= 0);
    printf("accept4 cloexec %d\n", fcntl(conn, F_GETFD));
    struct sockaddr_un got; socklen_t gl = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &gl);
    printf("abstract name %.*s\n", (int)(gl - offsetof(struct sockaddr_un, sun_path) - 1), got.sun_path + 1);
    return 0;
}
