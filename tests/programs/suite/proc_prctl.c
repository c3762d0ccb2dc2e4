/* prctl: PR_SET_NAME/GET_NAME, PDEATHSIG, DUMPABLE, NO_NEW_PRIVS, and /proc/self/comm. */
#include "suite.h"
#include <sys/prctl.h>
int main(void) {
    nondet();
    char name[16] = {0};
    snprintf(name, sizeof name, "s%d", getpid() % 100000);
    printf("set name %d\n", prctl(PR_SET_NAME, name));
    char got[17] = {0};
    prctl(PR_GET_NAME, got);
    char comm[32] = {0};
    int fd = open("/proc/self/comm", O_RDONLY);
    read(fd, comm, sizeof comm - 1); close(fd);
    printf("name %s comm %s", got, comm);
    printf("pdeathsig %d\n", prctl(PR_SET_PDEATHSIG, SIGTERM));
    int sig = 0; prctl(PR_GET_PDEATHSIG, &sig);
    printf("got pdeathsig %d dumpable %d\n", sig, prctl(PR_GET_DUMPABLE));
    printf("no_new_privs %d %d\n", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    SHOW_ERR("bad option", prctl(9999));
    return 0;
}
