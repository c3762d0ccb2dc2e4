/* system() running a shell command that prints the shell's pid and date. */
#include "suite.h"
int main(void) {
    nondet();
    fflush(stdout);
    int r = system("echo shell $$; date +%N; exit 4");
    printf("system returned exit %d\n", WEXITSTATUS(r));
    return 0;
}
