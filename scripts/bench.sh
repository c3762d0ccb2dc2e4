#!/usr/bin/env bash
# Recording and replay overhead of rewind on five workloads:
#   compute  a compute-bound C program (10^9 rounds of integer hashing, ~1.5 s native)
#   dd       dd of a 40 MB file to /dev/null with bs=4k (syscall-heavy)
#   python   python3 -c with imports and a little work (startup-heavy)
#   threads  scripts/bench/threads.c: 4 worker threads take 20000 items from a
#            mutex/condvar queue and hash each one (~0.3 s native)
#   sqlite3  sqlite3 with PRAGMA threads=4 inserting 200000 rows and building an
#            index (sorter worker threads); the database file is deleted before
#            every native and record run
# For each: native, record and replay wall time (median of RUNS runs, default 3),
# replay without its checks of registers and sent bytes (REWIND_REPLAY_NO_CHECKS=1,
# to show what data verification costs), and the ratios record/native,
# replay/native and replay/(replay without checks).
#
# Usage: scripts/bench.sh            (from anywhere inside the repository)
#        RUNS=5 scripts/bench.sh
set -euo pipefail

RUNS=${RUNS:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

echo "building release..." >&2
cargo build --release -p rewind-cli >&2
rewind="$root/target/release/rewind"

work=$(mktemp -d "${TMPDIR:-/tmp}/rewind-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# (a) compute-bound program
cat >"$work/compute.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    uint64_t n = argc > 1 ? strtoull(argv[1], 0, 10) : 1000000000ULL;
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (uint64_t i = 0; i < n; i++) {
        h ^= i;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
    }
    printf("%016llx\n", (unsigned long long)h);
    return 0;
}
EOF
cc -O2 -o "$work/compute" "$work/compute.c"

# (b) a 40 MB file for dd
head -c $((40 * 1024 * 1024)) /dev/urandom >"$work/data.bin"

# (c) threads: producer/consumer over a pthread mutex and condvars
cc -O2 -pthread -o "$work/threads" "$root/scripts/bench/threads.c"

# (d) sqlite3 building an index with sorter worker threads
sqlite_db="$work/bench.db"
sqlite_sql='PRAGMA threads=4; CREATE TABLE t(a INTEGER, b TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<200000) INSERT INTO t SELECT abs(random()) % 100000, hex(randomblob(8)) FROM c; CREATE INDEX ti ON t(b); SELECT count(*) FROM t;'
fresh_db() { rm -f "$sqlite_db" "$sqlite_db-journal" "$sqlite_db-wal" "$sqlite_db-shm"; }

# (e) python
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
pyprog='import json, random, re, os, time
d = {str(i): random.random() for i in range(20000)}
s = json.dumps(d)
print(len(s), len(re.findall(r"0\.\d", s)), os.getpid(), time.time())'

now_ns() { date +%s%N; }

# Runs "$@" once with stdout/stderr discarded; prints elapsed milliseconds.
time_ms() {
    local t0 t1
    t0=$(now_ns)
    "$@" >/dev/null 2>&1 || { echo "bench: command failed: $*" >&2; return 1; }
    t1=$(now_ns)
    echo $(((t1 - t0) / 1000000))
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

# bench NAME [--before FN] CMD...: native, record and replay times of one
# workload. FN (if given) runs untimed before every native and record run.
bench() {
    local name=$1 before=:
    shift
    if [ "${1-}" = --before ]; then
        before=$2
        shift 2
    fi
    local nat=() rec=() rep=() raw=() i t trace
    for ((i = 0; i < RUNS; i++)); do
        "$before"
        t=$(time_ms "$@") || exit 1
        nat+=("$t")
        trace="$work/trace-$name-$i"
        "$before"
        t=$(time_ms "$rewind" record -o "$trace" -- "$@") || exit 1
        rec+=("$t")
        t=$(time_ms "$rewind" replay --autopilot "$trace") || exit 1
        rep+=("$t")
        t=$(REWIND_REPLAY_NO_CHECKS=1 time_ms "$rewind" replay --autopilot "$trace") || exit 1
        raw+=("$t")
        rm -rf "$trace"
    done
    local n r p q
    n=$(median "${nat[@]}")
    r=$(median "${rec[@]}")
    p=$(median "${rep[@]}")
    q=$(median "${raw[@]}")
    printf '%-10s %8s %8s %8s %9s %11s %11s %8s\n' "$name" "$n" "$r" "$p" "$q" "$(ratio "$r" "$n")" "$(ratio "$p" "$n")" "$(ratio "$p" "$q")"
}

echo "median of $RUNS runs, wall-clock milliseconds"
printf '%-10s %8s %8s %8s %9s %11s %11s %8s\n' workload native record replay unchecked record/nat replay/nat checks
bench compute "$work/compute"
bench dd dd if="$work/data.bin" of=/dev/null bs=4k
bench python "$python" -c "$pyprog"
bench threads "$work/threads"
bench sqlite3 --before fresh_db sqlite3 "$sqlite_db" "$sqlite_sql"
