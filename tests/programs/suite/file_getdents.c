/* getdents64 directly on a directory with files of known names. */
#include "suite.h"
#include <sys/syscall.h>
#include <dirent.h>
struct d64 { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; };
int main(void) {
    nondet();
    const char *d = tmpname("dir");
    CHECK(mkdir(d, 0700) == 0);
    char p[128];
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/file%d", d, i);
        int fd = open(p, O_CREAT | O_WRONLY, 0600);
        CHECK(fd >= 0);
        close(fd);
    }
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    char buf[4096];
    long n;
    unsigned long sum = 0;
    int count = 0;
    while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct d64 *e = (struct d64 *)(buf + off);
            sum += e->ino;
            count++;
            off += e->reclen;
        }
    }
    printf("entries %d inode sum %lu\n", count, sum);
    close(dfd);
    for (int i = 0; i < 5; i++) { snprintf(p, sizeof p, "%s/file%d", d, i); unlink(p); }
    rmdir(d);
    return 0;
}
