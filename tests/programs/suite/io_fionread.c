/* ioctl FIONREAD on a pipe and a socket, and TIOCGWINSZ on a non-tty (ENOTTY). */
#include "suite.h"
#include <sys/ioctl.h>
#include <sys/socket.h>
int main(void) {
    nondet();
    int p[2]; pipe(p);
    char m[32]; int n = snprintf(m, sizeof m, "%d", getpid());
    write(p[1], m, n);
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    printf("pipe FIONREAD %d (wrote %d)\n", avail, n);
    int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "hello", 5);
    ioctl(sv[1], FIONREAD, &avail);
    printf("socket FIONREAD %d\n", avail);
    struct winsize ws;
    SHOW_ERR("winsize", ioctl(p[0], TIOCGWINSZ, &ws));
    return 0;
}
