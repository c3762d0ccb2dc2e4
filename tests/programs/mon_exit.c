/* rewind monitor: `mon_exit N` exits with status N; `mon_exit term` kills
 * itself with SIGTERM. Neither is a crash. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "term") == 0) {
        kill(getpid(), SIGTERM);
        pause();
        return 99;
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
