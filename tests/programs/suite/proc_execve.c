/* execve of itself with an argument: the new image keeps the pid and prints again. */
#include "suite.h"
int main(int argc, char **argv) {
    if (argc > 1) {
        printf("after exec pid %s now %d argv1 %s\n", argv[2], getpid(), argv[1]);
        return 0;
    }
    nondet();
    fflush(stdout);
    char pid[16]; snprintf(pid, sizeof pid, "%d", getpid());
    char *nargv[] = {argv[0], "again", pid, NULL};
    char *envp[] = {"SUITE=1", NULL};
    execve("/proc/self/exe", nargv, envp);
    printf("exec failed %d\n", errno);
    return 1;
}
