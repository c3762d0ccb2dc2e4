/* /proc/self/stat, status, maps, cmdline, environ reads (values differ per run). */
#include "suite.h"
static void show(const char *path, int lines) {
    FILE *f = fopen(path, "r");
    if (!f) { printf("%s: errno %d\n", path, errno); return; }
    char line[512];
    for (int i = 0; i < lines && fgets(line, sizeof line, f); i++) printf("%s: %s", path, line);
    fclose(f);
}
int main(void) {
    nondet();
    show("/proc/self/stat", 1);
    printf("\n");
    show("/proc/self/status", 8);
    show("/proc/self/maps", 3);
    show("/proc/loadavg", 1);
    show("/proc/uptime", 1);
    int fd = open("/proc/self/cmdline", O_RDONLY);
    char buf[256]; ssize_t n = read(fd, buf, sizeof buf);
    printf("cmdline bytes %zd\n", n);
    return 0;
}
