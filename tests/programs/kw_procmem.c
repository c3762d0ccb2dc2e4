/* A parent writes into its forked child's memory, with process_vm_writev and
 * through /proc/CHILD/mem (pwrite, and lseek + write), and into its own memory
 * through /proc/self/mem. The child prints what it then finds in those
 * buffers and checks it against what its parent (whose pid it knows) must have
 * written; the parent prints its own buffer. The messages hold the parent's
 * pid, which changes from run to run. Exits 0 only if every write landed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char by_vm_writev[64] = "untouched";
static char by_pwrite[64] = "untouched";
static char by_write[64] = "untouched";
static char own[64] = "untouched";

static void message(char *out, size_t size, const char *how, int parent) {
    snprintf(out, size, "%s from %d", how, parent);
}

static int child(int go) {
    char c;
    if (read(go, &c, 1) != 1)
        return 2;
    int parent = getppid();
    const char *names[] = {"process_vm_writev", "pwrite /proc/pid/mem", "write /proc/pid/mem"};
    char *bufs[] = {by_vm_writev, by_pwrite, by_write};
    int bad = 0;
    for (int i = 0; i < 3; i++) {
        char want[64];
        message(want, sizeof want, names[i], parent);
        int ok = strcmp(bufs[i], want) == 0;
        bad |= !ok;
        printf("child %d sees \"%s\" (%s)\n", getpid(), bufs[i], ok ? "as written" : "NOT written");
    }
    return bad;
}

int main(void) {
    int go[2];
    if (pipe(go) != 0)
        return 2;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        return child(go[0]);
    int me = getpid();

    char msg[64];
    message(msg, sizeof msg, "process_vm_writev", me);
    struct iovec local[2] = {{msg, 10}, {msg + 10, strlen(msg) + 1 - 10}};
    struct iovec remote = {by_vm_writev, strlen(msg) + 1};
    ssize_t n = process_vm_writev(pid, local, 2, &remote, 1, 0);
    printf("process_vm_writev wrote %zd bytes\n", n);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, O_RDWR);
    if (fd < 0) {
        perror("open /proc/pid/mem");
        return 2;
    }
    message(msg, sizeof msg, "pwrite /proc/pid/mem", me);
    n = pwrite(fd, msg, strlen(msg) + 1, (off_t)(unsigned long)by_pwrite);
    printf("pwrite wrote %zd bytes\n", n);
    message(msg, sizeof msg, "write /proc/pid/mem", me);
    lseek(fd, (off_t)(unsigned long)by_write, SEEK_SET);
    n = write(fd, msg, strlen(msg) + 1);
    printf("write wrote %zd bytes\n", n);
    close(fd);

    fd = open("/proc/self/mem", O_RDWR);
    message(msg, sizeof msg, "pwrite /proc/self/mem", me);
    n = pwrite(fd, msg, strlen(msg) + 1, (off_t)(unsigned long)own);
    close(fd);
    printf("parent %d sees \"%s\" after writing %zd bytes\n", me, own, n);
    fflush(stdout);

    if (write(go[1], "g", 1) != 1)
        return 2;
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && strcmp(own, msg) == 0 ? 0 : 1;
}
