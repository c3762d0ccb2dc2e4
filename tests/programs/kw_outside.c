/* Writes into a process that is not part of the recording.
 *
 * `kw_outside serve`: prints "PID ADDRESS" of a buffer, then for each line
 * read from stdin prints the buffer and resets it to "untouched".
 * `kw_outside write PID ADDRESS`: writes "written by <its pid>" there with
 * process_vm_writev, then "pwritten by <its pid>" through /proc/PID/mem, and
 * prints what each returned. Recorded, the writes land in the server; the
 * replay must not repeat them (it touches nothing outside). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static char buffer[64] = "untouched";

static int serve(void) {
    printf("%d %p\n", getpid(), (void *)buffer);
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        printf("%s\n", buffer);
        fflush(stdout);
        strcpy(buffer, "untouched");
    }
    return 0;
}

static int write_into(int pid, unsigned long addr) {
    char msg[64];
    snprintf(msg, sizeof msg, "written by %d", getpid());
    struct iovec local = {msg, strlen(msg) + 1};
    struct iovec remote = {(void *)addr, strlen(msg) + 1};
    ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
    printf("process_vm_writev: %zd\n", n);
    fflush(stdout);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        perror("open");
        return 1;
    }
    snprintf(msg, sizeof msg, "pwritten by %d", getpid());
    n = pwrite(fd, msg, strlen(msg) + 1, (off_t)addr);
    printf("pwrite: %zd\n", n);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "serve") == 0)
        return serve();
    if (argc == 4 && strcmp(argv[1], "write") == 0)
        return write_into(atoi(argv[2]), strtoul(argv[3], NULL, 16));
    fprintf(stderr, "usage: kw_outside serve | write PID ADDRESS\n");
    return 2;
}
