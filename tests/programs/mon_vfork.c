/* A thread blocks in vfork for a few seconds (its child sleeps before it
 * execs): it cannot stop for a dump meanwhile. The main thread ticks.
 * Usage: mon_vfork READY_FILE SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ready;
static int seconds;

static void *spawner(void *arg) {
    (void)arg;
    pid_t p = vfork();
    if (p == 0) {
        /* Only async-signal-safe calls in a vfork child. */
        int fd = creat(ready, 0644);
        if (fd >= 0) close(fd);
        sleep(seconds);
        execl("/bin/true", "true", (char *)0);
        _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : 99);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    ready = argv[1];
    seconds = atoi(argv[2]);
    pthread_t t;
    pthread_create(&t, 0, spawner, 0);
    void *child_status;
    pthread_join(t, &child_status);
    printf("child exited %ld\n", (long)child_status);
    return 0;
}
