/* socketpair(AF_UNIX, SOCK_STREAM) and SOCK_DGRAM between parent and child,
 * including passing a file descriptor with SCM_RIGHTS. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    int sv[2], dg[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dg)) {
        perror("socketpair");
        return 1;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(sv[0]);
        char buf[128];
        ssize_t n = read(sv[1], buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        char reply[256];
        int len = snprintf(reply, sizeof reply, "child %d got [%s]", getpid(), buf);
        write(sv[1], reply, len);
        char ack;
        if (read(sv[1], &ack, 1) != 1) _exit(1); /* keep the stream messages apart */
        /* Datagrams keep their boundaries. */
        for (int i = 0; i < 3; i++) {
            char d[32];
            int l = snprintf(d, sizeof d, "dgram %d from %d", i, getpid());
            send(dg[1], d, l, 0);
        }
        /* Pass the write end of a pipe to the parent. */
        int p[2];
        pipe(p);
        struct msghdr msg = {0};
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {.iov_base = "F", .iov_len = 1};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &p[1], sizeof(int));
        sendmsg(sv[1], &msg, 0);
        close(p[1]);
        char x[64];
        n = read(p[0], x, sizeof x - 1);
        x[n > 0 ? n : 0] = 0;
        printf("child read through passed pipe: %s\n", x);
        fflush(stdout);
        _exit(0);
    }
    close(sv[1]);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char msg[64];
    int len = snprintf(msg, sizeof msg, "hello %ld", ts.tv_nsec);
    write(sv[0], msg, len);
    char buf[256];
    ssize_t n = read(sv[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("parent got: %s\n", buf);
    write(sv[0], "A", 1);
    for (int i = 0; i < 3; i++) {
        n = recv(dg[0], buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = 0;
        printf("parent got %zd-byte datagram: %s\n", n, buf);
    }
    struct msghdr mh = {0};
    char cbuf[CMSG_SPACE(sizeof(int))];
    char one;
    struct iovec iov = {.iov_base = &one, .iov_len = 1};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    if (recvmsg(sv[0], &mh, 0) != 1) { perror("recvmsg"); return 1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    printf("parent received fd %d\n", fd);
    fflush(stdout);
    len = snprintf(msg, sizeof msg, "via fd at %ld", ts.tv_nsec);
    write(fd, msg, len);
    close(fd);
    int status;
    waitpid(child, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    return 0;
}
