/* sendfile from a file into a pipe and into another file (offset pointer updated). */
#include "suite.h"
#include <sys/sendfile.h>
int main(void) {
    nondet();
    const char *a = tmpname("a"), *b = tmpname("b");
    int in = open(a, O_CREAT | O_RDWR | O_TRUNC, 0600);
    char msg[64];
    int len = snprintf(msg, sizeof msg, "sendfile data from %d at %lld\n", getpid(), now_ns(CLOCK_REALTIME));
    CHECK(write(in, msg, len) == len);
    int p[2]; CHECK(pipe(p) == 0);
    off_t off = 9;
    ssize_t n = sendfile(p[1], in, &off, 100);
    printf("to pipe %zd off %ld\n", n, (long)off);
    char buf[64] = {0};
    read(p[0], buf, sizeof buf - 1);
    printf("pipe got: %s", buf);
    int out = open(b, O_CREAT | O_RDWR | O_TRUNC, 0600);
    lseek(in, 0, SEEK_SET);
    n = sendfile(out, in, NULL, 8);
    printf("to file %zd pos %ld\n", n, (long)lseek(in, 0, SEEK_CUR));
    close(in); close(out);
    unlink(a); unlink(b);
    return 0;
}
