/* abort(): the process dies of SIGABRT, so `rewind record` must exit 134. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    printf("about to abort, pid %d\n", getpid());
    fflush(stdout);
    fprintf(stderr, "stderr before abort\n");
    abort();
}
