#!/usr/bin/env bash
# Crash monitoring costs, measured side by side in one run:
#   1. overhead of `rewind monitor` on a syscall-heavy workload (dd bs=4k,
#      600k syscalls) and a compute-bound one (10^9 rounds of hashing): native vs
#      monitored wall time, median of RUNS (default 5), interleaved.
#   2. crash to stored dump: `rewind monitor` of a program that fills SIZE MiB
#      and then dereferences NULL, minus the same program run natively with
#      core dumps off (the difference is capture + report + compression).
#   3. pause of `rewind snapshot --pid` on a process with 1 GiB resident and
#      two threads (rewind's own measure: first thread stopped to last resumed),
#      against the wall time of `gcore` (gdb stops the process throughout).
#
# Usage: scripts/bench-monitor.sh          RUNS=9 scripts/bench-monitor.sh
set -euo pipefail

RUNS=${RUNS:-5}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
echo "building release..." >&2
cargo build --release -p rewind-cli >&2
rewind="$root/target/release/rewind"
work=$(mktemp -d "${TMPDIR:-/tmp}/rewind-bench-monitor.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
store="$work/store"

cat >"$work/compute.c" <<'C'
#include <stdint.h>
#include <stdio.h>
int main(void) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (uint64_t i = 0; i < 1000000000ULL; i++) { h ^= i; h *= 0xff51afd7ed558ccdULL; h ^= h >> 33; }
    printf("%llu\n", (unsigned long long)h);
    return 0;
}
C
cat >"$work/crash.c" <<'C'
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
int main(int argc, char **argv) {
    size_t mb = strtoul(argv[1], 0, 10);
    char *p = malloc(mb << 20);
    memset(p, 7, mb << 20);
    printf("%d\n", p[(mb << 20) - 1]);
    *(volatile int *)0 = 1;
    return 0;
}
C
cat >"$work/big.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void *idle(void *a) { (void)a; for (;;) pause(); }
int main(void) {
    size_t n = 1UL << 30;
    char *p = malloc(n);
    memset(p, 1, n);
    pthread_t t;
    pthread_create(&t, 0, idle, 0);
    printf("ready %d\n", p[n - 1]);
    fflush(stdout);
    for (;;) usleep(10000);
}
C
for p in compute crash big; do gcc -O2 -pthread -o "$work/$p" "$work/$p.c"; done


now_ns() { date +%s%N; }
time_ms() {
    local s e
    s=$(now_ns)
    "$@" >/dev/null 2>&1 || true
    e=$(now_ns)
    echo $(((e - s) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3fx", a / b; else print "n/a" }'; }

echo "== monitoring overhead (median of $RUNS, ms)"
printf '%-10s %10s %10s %10s\n' workload native monitor ratio
overhead() {
    local name=$1 nat=() mon=() i
    shift
    for ((i = 0; i < RUNS; i++)); do
        nat+=("$(time_ms "$@")")
        mon+=("$(time_ms "$rewind" monitor -q --store "$store" -- "$@")")
    done
    local n m
    n=$(median "${nat[@]}")
    m=$(median "${mon[@]}")
    printf '%-10s %10s %10s %10s\n' "$name" "$n" "$m" "$(ratio "$m" "$n")"
}
overhead dd dd if=/dev/zero of=/dev/null bs=4k count=300000
overhead compute "$work/compute"

echo "== crash to stored dump (median of $RUNS, ms)"
printf '%-10s %10s %10s %10s %12s\n' resident native monitor extra 'dump (zst)'
for mb in 16 256; do
    nat=() mon=()
    for ((i = 0; i < RUNS; i++)); do
        nat+=("$(time_ms bash -c "ulimit -c 0; exec $work/crash $mb")")
        mon+=("$(time_ms "$rewind" monitor -q --min-spacing 0 --store "$store" -- "$work/crash" "$mb")")
    done
    n=$(median "${nat[@]}")
    m=$(median "${mon[@]}")
    size=$("$rewind" crashes --store "$store" list --json | python3 -c 'import json,sys; c=json.load(sys.stdin)[-1]; print("%.0f KiB" % (c["dump_bytes"]/1024))')
    printf '%-10s %10s %10s %10s %12s\n' "${mb} MiB" "$n" "$m" "$((m - n))" "$size"
done

echo "== pause of a snapshot of a 1 GiB process (ms)"
"$work/big" >"$work/big.out" &
big=$!
until grep -q ready "$work/big.out" 2>/dev/null; do sleep 0.1; done
snaps=()
for ((i = 0; i < 3; i++)); do
    line=$("$rewind" snapshot --store "$store" --pid "$big")
    snaps+=("$(sed -n 's/.*paused \([0-9.]*\) ms.*/\1/p' <<<"$line")")
done
gc=()
if command -v gcore >/dev/null; then
    for ((i = 0; i < 3; i++)); do
        gc+=("$(time_ms gcore -o "$work/gcore" "$big")")
        rm -f "$work"/gcore.*
    done
fi
printf 'rewind snapshot pause: %s ms (median of 3: %s)\n' "$(median "${snaps[@]}")" "${snaps[*]}"
[ ${#gc[@]} -gt 0 ] && printf 'gcore (process stopped throughout): %s ms (median of 3: %s)\n' "$(median "${gc[@]}")" "${gc[*]}"
kill "$big"
