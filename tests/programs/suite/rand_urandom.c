/* /dev/urandom and /dev/random read through open/read and fread. */
#include "suite.h"
int main(void) {
    nondet();
    int fd = open("/dev/urandom", O_RDONLY);
    unsigned int v[4];
    ssize_t n = read(fd, v, sizeof v);
    printf("read %zd: %08x %08x\n", n, v[0], v[3]);
    close(fd);
    FILE *f = fopen("/dev/random", "rb");
    unsigned long long w = 0;
    size_t k = fread(&w, sizeof w, 1, f);
    printf("fread %zu: %016llx\n", k, w);
    fclose(f);
    srand(v[1]);
    printf("rand %d\n", rand());
    return 0;
}
