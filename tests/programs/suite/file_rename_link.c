/* rename/renameat2(RENAME_NOREPLACE, RENAME_EXCHANGE)/link/unlink and nlink counts. */
#include "suite.h"
#include <sys/syscall.h>
#include <linux/fs.h>
int main(void) {
    nondet();
    char a[64], b[64], c[64];
    strcpy(a, tmpname("a")); strcpy(b, tmpname("b")); strcpy(c, tmpname("c"));
    int fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "A", 1) == 1);
    close(fd);
    CHECK(link(a, b) == 0);
    struct stat st;
    stat(a, &st);
    printf("nlink after link %lu\n", (unsigned long)st.st_nlink);
    CHECK(rename(b, c) == 0);
    printf("old name gone: %d\n", access(b, F_OK));
    fd = open(b, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(write(fd, "B", 1) == 1);
    close(fd);
    long r = syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE);
    printf("noreplace %ld errno %d\n", r, errno);
    r = syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
    printf("exchange %ld\n", r);
    char buf[2] = {0};
    fd = open(a, O_RDONLY); read(fd, buf, 1); close(fd);
    printf("a now holds %s, ino %lu\n", buf, (unsigned long)st.st_ino);
    unlink(a); unlink(b); unlink(c);
    return 0;
}
