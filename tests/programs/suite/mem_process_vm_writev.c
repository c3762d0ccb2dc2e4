/* process_vm_writev into a child's memory; the child prints what it finds. */
#include "suite.h"
#include <sys/uio.h>
static char slot[64] = "unchanged";
int main(void) {
    nondet();
    int go[2], ready[2]; pipe(go); pipe(ready);
    pid_t c = fork();
    if (c == 0) { close(go[1]); char b; write(ready[1], "r", 1); read(go[0], &b, 1); printf("child slot: %s\n", slot); _exit(0); }
    char b; read(ready[0], &b, 1);
    char msg[64]; int n = snprintf(msg, sizeof msg, "written by %d", getpid()) + 1;
    struct iovec l = {msg, (size_t)n}, r = {slot, (size_t)n};
    ssize_t w = process_vm_writev(c, &l, 1, &r, 1, 0);
    printf("process_vm_writev %zd\n", w);
    CHECK(w == n);
    write(go[1], "g", 1);
    waitpid(c, NULL, 0);
    return 0;
}
