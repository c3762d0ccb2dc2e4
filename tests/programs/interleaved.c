/* Interleaved unbuffered writes to stdout and stderr, including from a child. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    for (int i = 0; i < 200; i++) {
        if (i % 3 == 0) fprintf(stderr, "err %d %ld\n", i, ts.tv_nsec + i);
        else printf("out %d %ld\n", i, ts.tv_nsec - i);
    }
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < 50; i++) {
            dprintf(1, "child out %d pid %d\n", i, getpid());
            dprintf(2, "child err %d\n", i);
        }
        _exit(0);
    }
    for (int i = 0; i < 50; i++) {
        dprintf(2, "parent err %d\n", i);
        dprintf(1, "parent out %d\n", i);
    }
    waitpid(child, NULL, 0);
    fprintf(stderr, "done\n");
    return 0;
}
