/* unshare(CLONE_NEWUTS) in a child (or EPERM without privilege), sethostname there, uname read back. */
#include "suite.h"
#include <sched.h>
#include <sys/utsname.h>
int main(void) {
    nondet();
    pid_t c = fork();
    if (c == 0) {
        if (unshare(CLONE_NEWUTS) != 0) { printf("unshare errno %d\n", errno); _exit(0); }
        char name[32]; int n = snprintf(name, sizeof name, "suite-%d", getpid());
        sethostname(name, n);
        struct utsname u; uname(&u);
        printf("child hostname matches %d\n", strcmp(u.nodename, name) == 0);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    struct utsname u; uname(&u);
    printf("parent hostname unchanged %d\n", strncmp(u.nodename, "suite-", 6) != 0);
    return 0;
}
