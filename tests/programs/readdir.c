/* getdents64 on /proc (the set of pids changes all the time) and on a
 * directory the program creates with files named after random numbers. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    DIR *d = opendir("/proc");
    if (!d) { perror("/proc"); return 1; }
    struct dirent *e;
    int pids = 0, max = 0;
    unsigned long sum = 0;
    while ((e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        int pid = atoi(e->d_name);
        pids++;
        sum += pid;
        if (pid > max) max = pid;
    }
    closedir(d);
    printf("/proc: %d pids, sum %lu, max %d (me %d)\n", pids, sum, max, getpid());

    const char *tmp = getenv("TMPDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/rewind-readdir-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    unsigned r[20];
    getrandom(r, sizeof r, 0);
    for (int i = 0; i < 20; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/f%08x", dir, r[i]);
        FILE *f = fopen(path, "w");
        if (f) { fprintf(f, "%d\n", i); fclose(f); }
    }
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    printf("%d entries:", n);
    for (int i = 0; i < n; i++) {
        printf(" %s", list[i]->d_name);
        if (list[i]->d_name[0] == 'f') {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
            struct stat st;
            if (stat(path, &st) == 0) printf("(%ld,%ld)", (long)st.st_size, (long)st.st_ino % 1000);
            unlink(path);
        }
        free(list[i]);
    }
    free(list);
    printf("\n");
    rmdir(dir);
    return 0;
}
