/* symlink/readlink/readlinkat, lstat of a link, a dangling link, ELOOP. */
#include "suite.h"
int main(void) {
    nondet();
    char t[64], l[64], l2[64];
    strcpy(t, tmpname("target")); strcpy(l, tmpname("link")); strcpy(l2, tmpname("loop"));
    int fd = open(t, O_CREAT | O_WRONLY, 0600); close(fd);
    CHECK(symlink(t, l) == 0);
    char buf[128] = {0};
    ssize_t n = readlink(l, buf, sizeof buf - 1);
    printf("readlink %zd %s\n", n, buf);
    memset(buf, 0, sizeof buf);
    n = readlinkat(AT_FDCWD, l, buf, 4);
    printf("short readlinkat %zd %.4s\n", n, buf);
    struct stat st;
    lstat(l, &st);
    printf("is link %d size %ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
    CHECK(symlink(l2, l2) == 0);
    SHOW_ERR("loop open", open(l2, O_RDONLY));
    memset(buf, 0, sizeof buf);
    n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    printf("exe link length %zd\n", n);
    unlink(l); unlink(l2); unlink(t);
    return 0;
}
