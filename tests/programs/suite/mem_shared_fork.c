/* MAP_SHARED|MAP_ANONYMOUS memory written by a child, seen by the parent after wait. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    if (c == 0) { shared[0] = getpid(); shared[1] = 1234; priv[0] = 99; _exit(0); }
    waitpid(c, NULL, 0);
    printf("shared pid matches %d value %d private %d (child %d)\n", shared[0] == c, shared[1], priv[0], c);
    return 0;
}
