/* execve errors: ENOENT, EACCES on a non-executable file, ENOEXEC on garbage; the process continues. */
#include "suite.h"
int main(void) {
    nondet();
    char *argv[] = {"x", NULL};
    SHOW_ERR("missing", execve("/no/such/prog", argv, NULL));
    const char *p = tmpname("notexec");
    int fd = open(p, O_CREAT | O_WRONLY, 0600);
    write(fd, "garbage\n", 8); close(fd);
    SHOW_ERR("no x bit", execve(p, argv, NULL));
    chmod(p, 0700);
    SHOW_ERR("garbage exec", execve(p, argv, NULL));
    unlink(p);
    return 0;
}
