/* SCM_CREDENTIALS with SO_PASSCRED: the receiver learns the sender's pid. */
#include "suite.h"
#include <sys/socket.h>
int main(void) {
    nondet();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    int on = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    pid_t c = fork();
    if (c == 0) { send(sv[0], "c", 1, 0); _exit(0); }
    char cbuf[CMSG_SPACE(sizeof(struct ucred))], b;
    struct iovec iov = {&b, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t r = recvmsg(sv[1], &mh, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    struct ucred cr = {0};
    if (cm && cm->cmsg_type == SCM_CREDENTIALS) memcpy(&cr, CMSG_DATA(cm), sizeof cr);
    printf("recvmsg %zd sender pid %d (child %d) uid %d\n", r, cr.pid, c, cr.uid);
    waitpid(c, NULL, 0);
    return 0;
}
