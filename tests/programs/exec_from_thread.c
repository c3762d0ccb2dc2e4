/* execve from a thread other than the main one while other threads live, as
 * rustup's cargo proxy does: the kernel kills the other threads (one blocked in
 * read(), one spinning on usleep) and the caller becomes the process's main
 * thread, keeping its pid. The new image prints its pid and argument. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fds[2];
static const char *self;

static void *blocked(void *arg) {
    (void)arg;
    char c;
    read(fds[0], &c, 1);
    return NULL;
}

static void *napper(void *arg) {
    (void)arg;
    for (;;) usleep(1000);
    return NULL;
}

static void *execer(void *arg) {
    (void)arg;
    usleep(20000);
    char *argv[] = {(char *)self, "after-exec", NULL};
    execv(self, argv);
    perror("execv");
    exit(1);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        printf("new image: pid %d, tid == pid: %s\n", getpid(),
               gettid() == getpid() ? "yes" : "no");
        return 7;
    }
    self = argv[0];
    printf("old image: pid %d\n", getpid());
    fflush(stdout);
    pipe(fds);
    pthread_t a, b, c;
    pthread_create(&a, NULL, blocked, NULL);
    pthread_create(&b, NULL, napper, NULL);
    pthread_create(&c, NULL, execer, NULL);
    pthread_join(c, NULL);
    return 0;
}
