/* posix_spawn with file actions (dup2 into a pipe) and attributes (new process group). */
#include "suite.h"
#include <spawn.h>
extern char **environ;
int main(void) {
    nondet();
    int p[2]; pipe(p);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    pid_t c;
    char *argv[] = {"sh", "-c", "echo spawned $$", NULL};
    int r = posix_spawn(&c, "/bin/sh", &fa, &at, argv, environ);
    close(p[1]);
    char buf[64] = {0};
    ssize_t n, tot = 0;
    while ((n = read(p[0], buf + tot, sizeof buf - 1 - tot)) > 0) tot += n;
    int st; waitpid(c, &st, 0);
    printf("spawn %d child %d said: %s", r, c, buf);
    printf("exit %d\n", WEXITSTATUS(st));
    return 0;
}
