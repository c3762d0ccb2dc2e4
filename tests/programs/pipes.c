/* Pipes in both directions between a parent and a child: the parent sends
 * numbers, the child transforms them and sends them back. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    int down[2], up[2];
    if (pipe(down) || pipe(up)) { perror("pipe"); return 1; }
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        close(down[1]);
        close(up[0]);
        long v;
        while (read(down[0], &v, sizeof v) == sizeof v) {
            v = v * 3 + getpid();
            write(up[1], &v, sizeof v);
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long seed = ts.tv_nsec;
    for (int i = 0; i < 20; i++) {
        long v = seed + i, r;
        write(down[1], &v, sizeof v);
        if (read(up[0], &r, sizeof r) != sizeof r) { perror("read"); return 1; }
        printf("%ld -> %ld\n", v, r);
    }
    /* A big transfer through a pipe: more than the pipe buffer. */
    close(down[1]);
    int status;
    waitpid(child, &status, 0);
    int big[2];
    pipe(big);
    static char buf[300000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)(seed + i);
    fflush(stdout);
    pid_t writer = fork();
    if (writer == 0) {
        close(big[0]);
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t n = write(big[1], buf + off, sizeof buf - off);
            if (n <= 0) _exit(1);
            off += n;
        }
        _exit(0);
    }
    close(big[1]);
    static char got[300000];
    size_t off = 0;
    int reads = 0;
    ssize_t n;
    while ((n = read(big[0], got + off, sizeof got - off)) > 0) { off += n; reads++; }
    waitpid(writer, &status, 0);
    printf("big transfer: %zu bytes in %d reads, equal=%d, child status %d\n", off, reads,
           off == sizeof buf && memcmp(buf, got, off) == 0, WEXITSTATUS(status));
    return 0;
}
