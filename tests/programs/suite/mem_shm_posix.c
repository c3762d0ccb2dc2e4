/* POSIX shm_open + mmap shared with a child; SysV shmget/shmat too. */
#include "suite.h"
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
int main(void) {
    nondet();
    char name[64]; snprintf(name, sizeof name, "/suite-%d", getpid());
    int fd = shm_open(name, O_CREAT | O_RDWR | O_EXCL, 0600);
    CHECK(fd >= 0);
    ftruncate(fd, 4096);
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    char *s = shmat(id, NULL, 0);
    pid_t c = fork();
    if (c == 0) { snprintf(m, 64, "posix from %d", getpid()); snprintf(s, 64, "sysv from %d", getpid()); _exit(0); }
    waitpid(c, NULL, 0);
    printf("%s / %s\n", m, s);
    struct shmid_ds ds; shmctl(id, IPC_STAT, &ds);
    printf("nattch %lu segsz %zu\n", (unsigned long)ds.shm_nattch, ds.shm_segsz);
    shmdt(s); shmctl(id, IPC_RMID, NULL);
    shm_unlink(name);
    return 0;
}
