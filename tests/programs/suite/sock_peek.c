/* MSG_PEEK then read the same bytes; MSG_WAITALL across two sends from a child. */
#include "suite.h"
#include <sys/socket.h>
int main(void) {
    nondet();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char m[32]; int n = snprintf(m, sizeof m, "peek%d", getpid());
    send(sv[0], m, n, 0);
    char a[32] = {0}, b[32] = {0};
    ssize_t p = recv(sv[1], a, sizeof a - 1, MSG_PEEK);
    ssize_t r = recv(sv[1], b, sizeof b - 1, 0);
    printf("peek %zd %s read %zd %s same %d\n", p, a, r, b, strcmp(a, b) == 0);
    pid_t c = fork();
    if (c == 0) {
        send(sv[0], "12345", 5, 0);
        usleep(20000);
        send(sv[0], "67890", 5, 0);
        _exit(0);
    }
    char w[11] = {0};
    printf("waitall %zd %s\n", recv(sv[1], w, 10, MSG_WAITALL), w);
    waitpid(c, NULL, 0);
    return 0;
}
