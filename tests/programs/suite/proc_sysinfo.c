/* sysinfo, get_nprocs, sysconf values, getloadavg, gethostname. */
#include "suite.h"
#include <sys/sysinfo.h>
int main(void) {
    nondet();
    struct sysinfo si;
    CHECK(sysinfo(&si) == 0);
    printf("uptime %ld freeram %lu procs %u loads %lu\n", si.uptime, si.freeram, si.procs, si.loads[0]);
    printf("nprocs %d conf %d\n", get_nprocs(), get_nprocs_conf());
    printf("pagesize %ld clk %ld open_max %ld\n", sysconf(_SC_PAGESIZE), sysconf(_SC_CLK_TCK), sysconf(_SC_OPEN_MAX));
    double l[3];
    printf("loadavg %d %.2f\n", getloadavg(l, 3), l[0]);
    char h[256];
    printf("hostname %d len %zu\n", gethostname(h, sizeof h), strlen(h));
    return 0;
}
