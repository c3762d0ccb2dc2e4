/* inotify: watch a directory, create/modify/delete a file, read events. */
#include "suite.h"
#include <sys/inotify.h>
int main(void) {
    nondet();
    const char *d = tmpname("dir");
    CHECK(mkdir(d, 0700) == 0);
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECK(in >= 0);
    int wd = inotify_add_watch(in, d, IN_CREATE | IN_MODIFY | IN_DELETE);
    printf("wd %d\n", wd);
    char p[128];
    snprintf(p, sizeof p, "%s/file", d);
    int fd = open(p, O_CREAT | O_WRONLY, 0600);
    write(fd, "x", 1); close(fd);
    unlink(p);
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(in, buf, sizeof buf);
    printf("read %zd\n", n);
    for (char *q = buf; n > 0 && q < buf + n;) {
        struct inotify_event *e = (struct inotify_event *)q;
        printf("event mask %x name %s\n", e->mask, e->len ? e->name : "");
        q += sizeof *e + e->len;
    }
    n = read(in, buf, sizeof buf);
    printf("empty read %zd errno %d\n", n, errno);
    rmdir(d);
    return 0;
}
