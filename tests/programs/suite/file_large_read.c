/* A 4 MiB file written and read back in one read() (big kernel writes into memory). */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    size_t len = 4 << 20;
    unsigned char *w = malloc(len), *r = malloc(len);
    unsigned seed = getpid();
    for (size_t i = 0; i < len; i++) { seed = seed * 1103515245 + 12345; w[i] = seed >> 16; }
    CHECK(write(fd, w, len) == (ssize_t)len);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, r, len);
    unsigned long sum = 0;
    for (size_t i = 0; i < len; i++) sum = sum * 31 + r[i];
    printf("read %zd equal %d checksum %lx\n", n, memcmp(w, r, len) == 0, sum);
    close(fd);
    unlink(p);
    return 0;
}
