/* memfd_create, write, seals, mmap of the memfd. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    int fd = memfd_create("suite", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, 4096) == 0);
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    snprintf(m, 64, "memfd %d", getpid());
    char buf[64] = {0};
    pread(fd, buf, 63, 0);
    printf("read back: %s\n", buf);
    printf("seal %d\n", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    printf("seals %x\n", fcntl(fd, F_GET_SEALS));
    SHOW_ERR("grow", ftruncate(fd, 8192));
    char link[64] = {0};
    char path[32]; snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    printf("link %s\n", link);
    return 0;
}
