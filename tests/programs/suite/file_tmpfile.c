/* O_TMPFILE then linkat through /proc/self/fd. */
#include "suite.h"
int main(void) {
    nondet();
    int fd = open(".", O_TMPFILE | O_RDWR, 0600);
    if (fd < 0) { printf("O_TMPFILE unsupported: %d\n", errno); return 0; }
    char msg[32];
    int n = snprintf(msg, sizeof msg, "tmp %d", getpid());
    CHECK(write(fd, msg, n) == n);
    struct stat st; fstat(fd, &st);
    printf("nlink %lu size %ld\n", (unsigned long)st.st_nlink, (long)st.st_size);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    const char *name = tmpname("linked");
    int r = linkat(AT_FDCWD, path, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
    printf("linkat %d\n", r);
    char buf[32] = {0};
    int fd2 = open(name, O_RDONLY);
    read(fd2, buf, sizeof buf - 1);
    printf("contents: %s\n", buf);
    close(fd2); close(fd);
    unlink(name);
    return 0;
}
