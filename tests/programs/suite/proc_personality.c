/* personality query and ADDR_NO_RANDOMIZE set then read back; uname. */
#include "suite.h"
#include <sys/personality.h>
#include <sys/utsname.h>
int main(void) {
    nondet();
    int p = personality(0xffffffff);
    printf("personality %x\n", p);
    printf("set %x\n", personality(p | ADDR_NO_RANDOMIZE));
    printf("now %x\n", personality(0xffffffff));
    struct utsname u;
    uname(&u);
    printf("uname %s %s %s nodename len %zu\n", u.sysname, u.release, u.machine, strlen(u.nodename));
    return 0;
}
