/* SysV shared memory: shmget/shmat, a child writes, the parent reads; shmctl IPC_STAT. */
#include "suite.h"
#include <sys/ipc.h>
#include <sys/shm.h>
int main(void) {
    nondet();
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    CHECK(id >= 0);
    char *s = shmat(id, NULL, 0);
    CHECK(s != (void *)-1);
    pid_t c = fork();
    if (c == 0) { snprintf(s, 64, "sysv from %d", getpid()); _exit(0); }
    waitpid(c, NULL, 0);
    struct shmid_ds ds;
    shmctl(id, IPC_STAT, &ds);
    printf("%s nattch %lu segsz %zu\n", s, (unsigned long)ds.shm_nattch, ds.shm_segsz);
    shmdt(s);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}
