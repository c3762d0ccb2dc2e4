/* mkdir/mkdirat/chdir/fchdir/getcwd/rmdir. */
#include "suite.h"
int main(void) {
    nondet();
    char start[4096];
    CHECK(getcwd(start, sizeof start));
    const char *d = tmpname("dir");
    CHECK(mkdir(d, 0755) == 0);
    SHOW_ERR("mkdir again", mkdir(d, 0755));
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    printf("mkdirat %d\n", mkdirat(dfd, "sub", 0700));
    CHECK(chdir(d) == 0);
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd));
    printf("cwd ends with %s: %d\n", d, strcmp(cwd + strlen(cwd) - strlen(d), d) == 0);
    CHECK(chdir("sub") == 0);
    CHECK(fchdir(dfd) == 0);
    CHECK(getcwd(cwd, sizeof cwd));
    printf("back: %d len %zu\n", strcmp(cwd + strlen(cwd) - strlen(d), d) == 0, strlen(cwd));
    SHOW_ERR("rmdir nonempty", rmdir("."));
    CHECK(rmdir("sub") == 0);
    CHECK(chdir(start) == 0);
    CHECK(rmdir(d) == 0);
    return 0;
}
