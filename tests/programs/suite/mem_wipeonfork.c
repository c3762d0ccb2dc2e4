/* MADV_WIPEONFORK: the child sees zeros where the parent has data; MADV_DONTFORK: the child has no mapping. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    snprintf(w, 64, "parent data %d", getpid());
    CHECK(madvise(w, 4096, MADV_WIPEONFORK) == 0);
    int p[2]; pipe(p);
    pid_t c = fork();
    if (c == 0) { char b = w[0]; write(p[1], &b, 1); _exit(0); }
    char b = 1;
    read(p[0], &b, 1);
    waitpid(c, NULL, 0);
    printf("child saw first byte %d, parent has %s\n", b, w);
    return 0;
}
