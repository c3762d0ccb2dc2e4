/* Opens /dev/null until open fails (EMFILE under `ulimit -n`) and prints on
 * stderr how many it got and the lowest descriptor it was given: the same
 * natively and recorded when rewind leaves no descriptor of its own behind. */
#include <fcntl.h>
#include <stdio.h>

int main(void) {
    int count = 0, lowest = -1;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) break;
        if (lowest < 0) lowest = fd;
        count++;
    }
    fprintf(stderr, "opened %d descriptors, the first was %d\n", count, lowest);
    return 0;
}
