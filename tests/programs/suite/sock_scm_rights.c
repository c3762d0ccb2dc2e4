/* SCM_RIGHTS: a child sends an open file descriptor; the parent reads through it. */
#include "suite.h"
#include <sys/socket.h>
int main(void) {
    nondet();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    const char *p = tmpname("f");
    pid_t c = fork();
    if (c == 0) {
        int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
        dprintf(fd, "file written by %d", getpid());
        lseek(fd, 0, SEEK_SET);
        char cbuf[CMSG_SPACE(sizeof(int))] = {0};
        struct iovec iov = {"F", 1};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_RIGHTS; cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof fd);
        CHECK(sendmsg(sv[0], &mh, 0) == 1);
        _exit(0);
    }
    char cbuf[CMSG_SPACE(sizeof(int))], b;
    struct iovec iov = {&b, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t r = recvmsg(sv[1], &mh, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    int fd = -1;
    if (cm && cm->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    printf("recvmsg %zd byte %c got fd %d\n", r, b, fd);
    char buf[64] = {0};
    read(fd, buf, sizeof buf - 1);
    printf("through fd: %s\n", buf);
    waitpid(c, NULL, 0);
    unlink(p);
    return 0;
}
