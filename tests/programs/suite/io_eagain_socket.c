/* Nonblocking socket filled until EAGAIN, then drained by a child while the parent polls. */
#include "suite.h"
#include <poll.h>
#include <sys/socket.h>
int main(void) {
    nondet();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    char buf[4096]; memset(buf, 'z', sizeof buf);
    long total = 0; ssize_t n;
    while ((n = write(sv[0], buf, sizeof buf)) > 0) total += n;
    printf("filled %d errno %d\n", total > 0, errno);
    pid_t c = fork();
    if (c == 0) {
        long got = 0;
        struct pollfd f = {sv[1], POLLIN, 0};
        while (got < total) { poll(&f, 1, 1000); ssize_t r = read(sv[1], buf, sizeof buf); if (r > 0) got += r; }
        _exit(0);
    }
    struct pollfd f = {sv[0], POLLOUT, 0};
    int r = poll(&f, 1, 5000);
    printf("writable again %d revents %x\n", r, f.revents);
    waitpid(c, NULL, 0);
    printf("total %ld\n", total);
    return 0;
}
