/* MAP_SHARED file mapping: writes through memory seen by read(), and the reverse. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 8192) == 0);
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    snprintf(m + 4096, 64, "mapped %d", getpid());
    CHECK(msync(m, 8192, MS_SYNC) == 0);
    char buf[64] = {0};
    pread(fd, buf, 63, 4096);
    printf("read: %s\n", buf);
    char msg[32];
    int n = snprintf(msg, sizeof msg, "written %lld", now_ns(CLOCK_REALTIME) % 1000000);
    pwrite(fd, msg, n + 1, 0);
    printf("memory: %s\n", m);
    munmap(m, 8192);
    close(fd);
    unlink(p);
    return 0;
}
