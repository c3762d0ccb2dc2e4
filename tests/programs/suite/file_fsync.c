/* fsync/fdatasync/sync_file_range/syncfs/sync. */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "data", 4) == 4);
    printf("fsync %d\n", fsync(fd));
    printf("fdatasync %d\n", fdatasync(fd));
    printf("sync_file_range %d\n", sync_file_range(fd, 0, 4, SYNC_FILE_RANGE_WRITE));
    printf("syncfs %d\n", syncfs(fd));
    sync();
    SHOW_ERR("fsync bad fd", fsync(-5));
    long t0 = (long)(now_ns(CLOCK_MONOTONIC) / 1000);
    printf("t %ld\n", t0);
    close(fd);
    unlink(p);
    return 0;
}
