/* setxattr/getxattr/listxattr on a file (user namespace). */
#include "suite.h"
#include <sys/xattr.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR, 0600); close(fd);
    char v[32];
    int n = snprintf(v, sizeof v, "v%d", getpid());
    int r = setxattr(p, "user.suite", v, n, 0);
    printf("setxattr %d errno %d\n", r, r ? errno : 0);
    char buf[64] = {0};
    ssize_t g = getxattr(p, "user.suite", buf, sizeof buf - 1);
    printf("getxattr %zd %s\n", g, g > 0 ? buf : "");
    char list[256] = {0};
    ssize_t l = listxattr(p, list, sizeof list);
    printf("listxattr %zd\n", l);
    g = getxattr(p, "user.missing", buf, sizeof buf);
    printf("missing %zd errno %d\n", g, errno);
    unlink(p);
    return 0;
}
