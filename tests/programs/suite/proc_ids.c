/* getuid/geteuid/getgid/getgroups/getresuid/gettid/getppid and setuid to self. */
#include "suite.h"
#include <sys/syscall.h>
int main(void) {
    nondet();
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("uid %d euid %d resuid %d %d %d gid %d\n", getuid(), geteuid(), r, e, s, getgid());
    gid_t g[64];
    int n = getgroups(64, g);
    printf("groups %d\n", n);
    printf("tid==pid %d ppid %d\n", (pid_t)syscall(SYS_gettid) == getpid(), getppid());
    printf("setuid self %d\n", setuid(getuid()));
    printf("setgid self %d\n", setgid(getgid()));
    return 0;
}
