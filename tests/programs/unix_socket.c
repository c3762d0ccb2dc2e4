/* An AF_UNIX stream server (parent) and client (child) on a filesystem path:
 * socket, bind, listen, accept, connect, send/recv, getsockname. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    const char *dir = getenv("TMPDIR");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/rw-sock-%d", dir && *dir ? dir : "/tmp", getpid());
    unlink(addr.sun_path);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof addr) || listen(srv, 4)) {
        perror("server");
        return 1;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); _exit(1); }
        char msg[64];
        int len = snprintf(msg, sizeof msg, "client %d says hi", getpid());
        send(c, msg, len, 0);
        char buf[128];
        ssize_t n = recv(c, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = 0;
        printf("client got: %s\n", buf);
        fflush(stdout);
        close(c);
        _exit(0);
    }
    int conn = accept(srv, NULL, NULL);
    if (conn < 0) { perror("accept"); return 1; }
    char buf[128];
    ssize_t n = recv(conn, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    printf("server got: %s\n", buf);
    fflush(stdout);
    char reply[160];
    int len = snprintf(reply, sizeof reply, "server %d echoes [%s]", getpid(), buf);
    send(conn, reply, len, 0);
    n = recv(conn, buf, sizeof buf, 0);
    printf("server sees EOF: %zd\n", n);
    int status;
    waitpid(child, &status, 0);
    close(conn);
    close(srv);
    unlink(addr.sun_path);
    printf("client exited %d\n", WEXITSTATUS(status));
    return 0;
}
