#!/usr/bin/env bash
# Reverse-execution benchmark: records a program that runs a few seconds and makes
# 100k syscalls, then times, in one gdb session on its replay: `monitor goto`
# forwards and backwards, reverse-stepi, reverse-continue to the previous hit of a
# breakpoint, and reverse-continue across the whole recording; it prints the
# forward replay time beside them, and the memory the checkpoints hold.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q -p rewind-cli
rewind=$PWD/target/release/rewind
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -g -O1 -o "$tmp/long" scripts/bench/long.c
ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(ms); "$tmp/long" >/dev/null; t1=$(ms)
"$rewind" record -o "$tmp/trace" -- "$tmp/long" >/dev/null; t2=$(ms)
"$rewind" replay --autopilot "$tmp/trace" >/dev/null; t3=$(ms)
events=$("$rewind" info --json "$tmp/trace" | awk -F': ' '/"events"/{gsub(/,/,"",$2); print $2}')
end_line=$(grep -n 'printf' scripts/bench/long.c | cut -d: -f1)
cat > "$tmp/bench.gdb" <<GDB
python import time
python t=time.time()
monitor goto $((events * 9 / 10))
monitor when
python print("BENCH goto forwards to 90%%: %.3f s" % (time.time()-t))
break marker
continue
python t=time.time()
reverse-stepi
python print("BENCH reverse-stepi: %.3f s" % (time.time()-t))
python t=time.time()
reverse-continue
python print("BENCH reverse-continue to the previous hit: %.3f s" % (time.time()-t))
python t=time.time()
monitor goto $((events * 3 / 10))
monitor when
python print("BENCH goto backwards to 30%%: %.3f s" % (time.time()-t))
delete
break long.c:$end_line
continue
break first_call
python t=time.time()
reverse-continue
python print("BENCH reverse-continue across the whole recording: %.3f s" % (time.time()-t))
monitor checkpoints
GDB
"$rewind" replay "$tmp/trace" -- -batch -nx -x "$tmp/bench.gdb" 2>&1 | grep -E "BENCH|checkpoints|first_call \(" | sed 's/^BENCH //'
printf 'native %d ms, record %d ms, forward replay %d ms, %s events\n' $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) "$events"
