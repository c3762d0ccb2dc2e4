/* Opens a file that exists and one that does not, with constant paths (they live
 * in the executable's read-only data), then dies of SIGUSR1: `rewind dump` shows
 * the paths, the errno name and the signal name. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    int fd = open("/etc/passwd", O_RDONLY);
    int missing = open("/no/such/file/here", O_WRONLY | O_CREAT | O_TRUNC, 0640);
    printf("pid %d: fd %d, missing %d\n", getpid(), fd, missing);
    fflush(stdout);
    raise(SIGUSR1);
    return 0;
}
