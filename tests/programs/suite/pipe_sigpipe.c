/* Writing to a pipe with no reader: SIGPIPE ignored gives EPIPE; then default kills the process. */
#include "suite.h"
/* SUITE_EXIT 141 */
int main(void) {
    nondet();
    int p[2];
    CHECK(pipe(p) == 0);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    SHOW_ERR("write", write(p[1], "x", 1));
    signal(SIGPIPE, SIG_DFL);
    fflush(stdout);
    write(p[1], "x", 1);
    printf("not reached\n");
    return 0;
}
