/* Helpers of the map_* and shm_* programs. show() prints a value computed
 * from mapped memory and also passes it to a syscall (lseek on descriptor -1,
 * which fails harmlessly) whose arguments replay compares with the recorded
 * ones: a replayed mapping that holds other bytes than the recorded one
 * diverges there, although replay reprints the recorded output. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void show(const char *what, unsigned long v) {
    printf("%s: %016lx\n", what, v);
    fflush(stdout);
    syscall(SYS_lseek, -1, (long)v, SEEK_SET);
}

/* FNV-1a over n bytes. */
static inline unsigned long hash(const void *p, size_t n) {
    const unsigned char *b = p;
    unsigned long h = 0xcbf29ce484222325UL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3UL;
    }
    return h;
}

static inline void die(const char *what) {
    perror(what);
    exit(1);
}

/* A new empty file in $TMPDIR (unlinked at exit by the caller). */
static inline int temp_file(char *path, size_t size) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/rewind-map-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) die("mkstemp");
    return fd;
}
