/* Attaches the SysV segment whose id is argv[1] (made and attached by a
 * process outside the recording) and shows what it holds. */
#include "map_show.h"
#include <sys/shm.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int id = atoi(argv[1]);
    unsigned char *p = shmat(id, NULL, SHM_RDONLY);
    if (p == (void *)-1) die("shmat");
    show("segment made outside", hash(p, 8192));
    if (shmdt(p)) die("shmdt");
    printf("pid %d\n", getpid());
    return 0;
}
