/* SysV shared memory between a parent and its child: a segment attached
 * where the kernel chooses and, in the child, a second time at an address of
 * our choosing; IPC_STAT, IPC_RMID while attached, shmdt. The data is random. */
#include "map_show.h"
#include <sys/ipc.h>
#include <sys/random.h>
#include <sys/shm.h>
#include <sys/wait.h>

#define SIZE (3 * 4096 + 100)
#define CHOSEN ((void *)0x7e0000000000UL)

int main(void) {
    int id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600);
    if (id < 0) die("shmget");
    unsigned char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) die("shmat");
    if (getrandom(p, SIZE, 0) != SIZE) die("getrandom");
    show("segment after the parent's store", hash(p, SIZE));
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        unsigned char *q = shmat(id, CHOSEN, 0);
        if (q != CHOSEN) die("shmat at a chosen address");
        show("child's second attachment", hash(q, SIZE));
        pid_t me = getpid();
        memcpy(q + 5000, &me, sizeof me);
        if (getrandom(q + 9000, 64, 0) != 64) _exit(1);
        show("child's inherited attachment", hash(p, SIZE));
        if (shmdt(q)) die("shmdt");
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    show("segment after the child's stores", hash(p, SIZE));
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds)) die("IPC_STAT");
    printf("size %zu, attached %lu times\n", ds.shm_segsz, (unsigned long)ds.shm_nattch);
    if (shmctl(id, IPC_RMID, NULL)) die("IPC_RMID");
    /* Still attached: still usable. */
    unsigned char *again = shmat(id, NULL, SHM_RDONLY);
    if (again != (void *)-1) {
        show("a read-only attachment after IPC_RMID", hash(again, SIZE));
        shmdt(again);
    }
    p[1] ^= 0xff;
    show("segment after IPC_RMID", hash(p, SIZE));
    if (shmdt(p)) die("shmdt");
    printf("pid %d\n", getpid());
    return 0;
}
