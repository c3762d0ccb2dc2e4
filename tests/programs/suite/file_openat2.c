/* openat2 with RESOLVE_BENEATH / RESOLVE_NO_SYMLINKS (struct open_how read by the kernel). */
#include "suite.h"
#include <linux/openat2.h>
#include <sys/syscall.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_WRONLY, 0600); close(fd);
    struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
    long r = syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof how);
    printf("beneath ok %d\n", r >= 0);
    if (r >= 0) close(r);
    r = syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof how);
    printf("absolute %ld errno %d\n", r, errno);
    const char *l = tmpname("l");
    symlink(p, l);
    how.resolve = RESOLVE_NO_SYMLINKS;
    r = syscall(SYS_openat2, AT_FDCWD, l, &how, sizeof how);
    printf("symlink %ld errno %d\n", r, errno);
    how.flags = O_RDONLY | O_CREAT; how.mode = 0;
    r = syscall(SYS_openat2, AT_FDCWD, p, &how, 8);
    printf("small size %ld errno %d\n", r, errno);
    unlink(l); unlink(p);
    return 0;
}
