/* copy_file_range between two files, offsets updated by the kernel. */
#include "suite.h"
int main(void) {
    nondet();
    const char *a = tmpname("a"), *b = tmpname("b");
    int in = open(a, O_CREAT | O_RDWR | O_TRUNC, 0600);
    int out = open(b, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(in >= 0 && out >= 0);
    char data[8192];
    unsigned pid = getpid();
    for (unsigned i = 0; i < sizeof data; i++) data[i] = 'a' + (i * 7 + pid) % 26;
    CHECK(write(in, data, sizeof data) == (ssize_t)sizeof data);
    loff_t off_in = 100, off_out = 0;
    ssize_t n = copy_file_range(in, &off_in, out, &off_out, 5000, 0);
    printf("copied %zd offsets %ld %ld\n", n, (long)off_in, (long)off_out);
    char buf[11] = {0};
    pread(out, buf, 10, 0);
    printf("starts %s\n", buf);
    close(in); close(out);
    unlink(a); unlink(b);
    return 0;
}
