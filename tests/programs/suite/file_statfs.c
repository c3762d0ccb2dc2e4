/* statfs/fstatfs/statvfs of the cwd and /proc. */
#include "suite.h"
#include <sys/statfs.h>
#include <sys/statvfs.h>
int main(void) {
    nondet();
    struct statfs a, b;
    CHECK(statfs(".", &a) == 0);
    CHECK(statfs("/proc", &b) == 0);
    printf("cwd type %lx bsize %ld bfree %ld\n", (long)a.f_type, (long)a.f_bsize, (long)a.f_bfree);
    printf("proc type %lx\n", (long)b.f_type);
    struct statvfs v;
    CHECK(statvfs(".", &v) == 0);
    printf("statvfs favail %lu namemax %lu\n", (unsigned long)v.f_favail, (unsigned long)v.f_namemax);
    int fd = open(".", O_RDONLY);
    CHECK(fstatfs(fd, &a) == 0);
    printf("fstatfs files %ld\n", (long)a.f_files);
    return 0;
}
