/* posix_spawn (clone(CLONE_VM|CLONE_VFORK) in glibc) of /bin/sh with file actions. */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void) {
    printf("parent %d\n", getpid());
    fflush(stdout);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, 1, 2); /* the child's stderr goes to stdout */
    pid_t child;
    char *argv[] = {"sh", "-c", "echo spawned $$ >&2; date +%N", NULL};
    int err = posix_spawn(&child, "/bin/sh", &fa, NULL, argv, environ);
    if (err) { fprintf(stderr, "posix_spawn: %d\n", err); return 1; }
    int status;
    waitpid(child, &status, 0);
    printf("spawned %d exited %d\n", child, WEXITSTATUS(status));
    pid_t c2;
    char *argv2[] = {"echo", "via posix_spawnp", NULL};
    err = posix_spawnp(&c2, "echo", NULL, NULL, argv2, environ);
    if (err) { fprintf(stderr, "posix_spawnp: %d\n", err); return 1; }
    waitpid(c2, &status, 0);
    printf("spawnp %d exited %d\n", c2, WEXITSTATUS(status));
    posix_spawn_file_actions_destroy(&fa);
    return 0;
}
