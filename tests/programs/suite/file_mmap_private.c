/* MAP_PRIVATE file mapping: copy-on-write, file unchanged; mapping of a file written later. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    char msg[64];
    int n = snprintf(msg, sizeof msg, "original %d", getpid());
    CHECK(write(fd, msg, n + 1) == n + 1);
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED);
    printf("mapped: %s\n", m);
    m[0] = 'O';
    char buf[64] = {0};
    pread(fd, buf, 63, 0);
    printf("file: %s mem: %s\n", buf, m);
    pwrite(fd, "X", 1, 1);
    printf("after pwrite mem[1] %c\n", m[1]);
    char *r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("fresh map: %s\n", r);
    close(fd);
    unlink(p);
    return 0;
}
