/* execve of a #! script written at run time; the interpreter (sh) prints its argv and pid. */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("script");
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0700);
    dprintf(fd, "#!/bin/sh\necho script $0 arg $1 pid $$\nexit 3\n");
    close(fd);
    pid_t c = fork();
    if (c == 0) { char path[128]; snprintf(path, sizeof path, "./%s", p); execl(path, path, "one", (char *)0); _exit(127); }
    int st; waitpid(c, &st, 0);
    printf("script exit %d\n", WEXITSTATUS(st));
    unlink(p);
    return 0;
}
