/* A thread made with raw clone(CLONE_VM|CLONE_THREAD|...|CLONE_CHILD_CLEARTID), joined through the cleared tid futex. */
#include "suite.h"
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
static volatile pid_t child_tid;
static volatile long result;
static int fn(void *a) { result = (long)a + syscall(SYS_gettid); return 0; }
int main(void) {
    nondet();
    size_t sz = 1 << 16;
    char *stack = malloc(sz);
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    pid_t tid = clone(fn, stack + sz, flags, (void *)1000, &child_tid, NULL, &child_tid);
    CHECK(tid > 0);
    while (child_tid != 0) syscall(SYS_futex, &child_tid, FUTEX_WAIT, child_tid, NULL, NULL, 0);
    printf("thread %d result matches %d\n", tid, result == 1000 + tid);
    return 0;
}
