/* A FIFO (mkfifo) written by a child, read by the parent. */
#include "suite.h"
int main(void) {
    nondet();
    const char *f = tmpname("fifo");
    CHECK(mkfifo(f, 0600) == 0);
    pid_t c = fork();
    if (c == 0) {
        int w = open(f, O_WRONLY);
        dprintf(w, "fifo from %d\n", getpid());
        _exit(0);
    }
    int r = open(f, O_RDONLY);
    CHECK(r >= 0);
    char buf[64] = {0};
    ssize_t n = read(r, buf, sizeof buf - 1);
    printf("read %zd: %s", n, buf);
    waitpid(c, NULL, 0);
    printf("eof %zd\n", read(r, buf, 1));
    unlink(f);
    return 0;
}
