/* Dies of the default action of signal N (argv[1]): with "self" (argv[2]) by
 * raise(), otherwise sent by a child while the parent blocks in pause().
 * `rewind record` must exit 128+N. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int sig = argc > 1 ? atoi(argv[1]) : SIGTERM;
    printf("pid %d will die of signal %d\n", getpid(), sig);
    fflush(stdout);
    if (argc > 2 && strcmp(argv[2], "self") == 0) {
        raise(sig);
        return 1;
    }
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        usleep(20000);
        kill(parent, sig);
        _exit(0);
    }
    for (;;) pause();
}
