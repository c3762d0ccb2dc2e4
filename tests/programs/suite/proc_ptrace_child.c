/* The program itself traces a child with ptrace (PTRACE_TRACEME, PEEKUSER of a register). */
#include "suite.h"
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>
int main(void) {
    nondet();
    pid_t c = fork();
    if (c == 0) { ptrace(PTRACE_TRACEME, 0, NULL, NULL); raise(SIGSTOP); _exit(5); }
    int st; waitpid(c, &st, 0);
    printf("child stopped %d by %d\n", WIFSTOPPED(st), WSTOPSIG(st));
    errno = 0;
    long rip = ptrace(PTRACE_PEEKUSER, c, offsetof(struct user_regs_struct, rip), NULL);
    printf("peek rip nonzero %d errno %d\n", rip != 0, errno);
    ptrace(PTRACE_CONT, c, NULL, NULL);
    waitpid(c, &st, 0);
    printf("child exit %d (pid %d)\n", WEXITSTATUS(st), c);
    return 0;
}
