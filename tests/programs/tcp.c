/* TCP on 127.0.0.1 with an ephemeral port: the server (parent) binds port 0,
 * the client (child) connects; both exchange data; poll is used for the accept. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof addr) || listen(srv, 4)) {
        perror("server");
        return 1;
    }
    socklen_t alen = sizeof addr;
    getsockname(srv, (struct sockaddr *)&addr, &alen);
    printf("listening on port %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); _exit(1); }
        struct sockaddr_in me;
        socklen_t ml = sizeof me;
        getsockname(c, (struct sockaddr *)&me, &ml);
        char msg[64];
        int len = snprintf(msg, sizeof msg, "client port %d", ntohs(me.sin_port));
        send(c, msg, len, 0);
        static char big[200000];
        size_t got = 0;
        ssize_t n;
        while ((n = recv(c, big + got, sizeof big - got, 0)) > 0) got += n;
        unsigned sum = 0;
        for (size_t i = 0; i < got; i++) sum = sum * 31 + (unsigned char)big[i];
        printf("client received %zu bytes, checksum %08x\n", got, sum);
        fflush(stdout);
        _exit(0);
    }
    struct pollfd pfd = {.fd = srv, .events = POLLIN};
    int pr = poll(&pfd, 1, 10000);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int conn = accept(srv, (struct sockaddr *)&peer, &pl);
    if (pr != 1 || conn < 0) { perror("accept"); return 1; }
    char buf[128];
    ssize_t n = recv(conn, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    printf("server got \"%s\" from %s:%d\n", buf, inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
    fflush(stdout);
    static char big[200000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(i * 7 + ntohs(peer.sin_port));
    size_t off = 0;
    while (off < sizeof big) {
        n = send(conn, big + off, sizeof big - off, 0);
        if (n <= 0) { perror("send"); return 1; }
        off += n;
    }
    shutdown(conn, SHUT_WR);
    int status;
    waitpid(child, &status, 0);
    close(conn);
    close(srv);
    printf("client exited %d\n", WEXITSTATUS(status));
    return 0;
}
