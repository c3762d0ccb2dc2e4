/* /proc/self/fd listing and readlink of fds, /proc/self/fdinfo. */
#include "suite.h"
#include <dirent.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR, 0600);
    lseek(fd, 1234, SEEK_SET);
    DIR *d = opendir("/proc/self/fd");
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) count += e->d_name[0] != '.';
    closedir(d);
    printf("fds %d\n", count);
    char path[64], buf[256] = {0};
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    int fi = open(path, O_RDONLY);
    read(fi, buf, sizeof buf - 1);
    char *nl = strchr(buf, '\n'); if (nl) *nl = 0;
    printf("fdinfo: %s\n", buf);
    close(fi); close(fd);
    unlink(p);
    return 0;
}
