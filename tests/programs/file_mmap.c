/* File mappings: write a temp file, map it MAP_PRIVATE and MAP_SHARED, modify
 * through both, read back with read(2), munmap; count the lines of
 * /proc/self/maps while the mappings exist. The temp file name (mkstemp) and
 * its contents (from the clock) differ from run to run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int maps_lines(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n') n++;
    fclose(f);
    return n;
}

int main(void) {
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/rewind-mmap-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); return 1; }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t len = 3 * 4096 + 100;
    char *data = malloc(len);
    for (size_t i = 0; i < len; i++) data[i] = (char)(33 + (ts.tv_nsec / 1000 + i * i * 7 + i / 3) % 90);
    if (write(fd, data, len) != (ssize_t)len) { perror("write"); return 1; }
    printf("file: %s\n", strrchr(path, '/') + 1);
    printf("maps lines before: %d\n", maps_lines());

    char *priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (priv == MAP_FAILED || shared == MAP_FAILED) { perror("mmap"); return 1; }
    printf("maps lines with mappings: %d\n", maps_lines());
    printf("private[100..110]: %.10s\n", priv + 100);
    printf("shared[4096..4106]: %.10s\n", shared + 4096);

    memcpy(priv, "PRIVATE!", 8);      /* not visible in the file */
    memcpy(shared + 4096, "SHARED!!", 8); /* visible in the file and in priv? only if page not COWed */
    shared[len - 1] = 'Z';
    msync(shared, len, MS_SYNC);

    char back[32];
    pread(fd, back, 8, 0);
    back[8] = 0;
    printf("file[0..8] after private write: %s\n", back);
    pread(fd, back, 8, 4096);
    printf("file[4096..4104] after shared write: %s\n", back);
    pread(fd, back, 1, len - 1);
    back[1] = 0;
    printf("file last byte: %s\n", back);
    printf("private sees shared write on untouched page: %.8s\n", priv + 4096);
    printf("private[0..8]: %.8s\n", priv);

    /* A write(2) to the file shows through the shared mapping. */
    pwrite(fd, "WRITTEN!", 8, 8192);
    printf("shared sees pwrite: %.8s\n", shared + 8192);

    munmap(priv, len);
    munmap(shared, len);
    printf("maps lines after munmap: %d\n", maps_lines());
    close(fd);
    unlink(path);
    free(data);
    return 0;
}
