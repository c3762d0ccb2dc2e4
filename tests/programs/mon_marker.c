/* rewind monitor: creates the file named by argv[1] (to tell whether the
 * program was started at all), exits 0. */
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    FILE *f = fopen(argv[1], "w");
    if (!f)
        return 1;
    fputs("started\n", f);
    fclose(f);
    return 0;
}
