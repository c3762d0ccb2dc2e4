/* Reads of /proc files whose contents change from run to run:
 * /proc/self/stat, /proc/uptime, /proc/self/status, /proc/loadavg. */
#include <stdio.h>
#include <string.h>

static void dump(const char *path, const char *only) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return; }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (only && !strstr(line, only)) continue;
        printf("%s: %s", path, line);
    }
    fclose(f);
}

int main(void) {
    dump("/proc/self/stat", NULL);
    dump("/proc/uptime", NULL);
    dump("/proc/self/status", "Pid");
    dump("/proc/self/status", "VmRSS");
    dump("/proc/self/status", "voluntary_ctxt_switches");
    dump("/proc/loadavg", NULL);
    /* The full status must at least parse: count its lines. */
    FILE *f = fopen("/proc/self/status", "r");
    int lines = 0, c;
    while (f && (c = fgetc(f)) != EOF) lines += c == '\n';
    if (f) fclose(f);
    printf("status lines: %d\n", lines);
    return 0;
}
