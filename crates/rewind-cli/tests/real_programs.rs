//! Record and replay real programs: interpreters, a database, a shell script that
//! forks and execs, the compiler driver, git, date. Replay must print exactly what
//! the recording printed and must not touch the file system (files the recording
//! created are deleted before replay and must still be absent after it).

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// The system python3 (a pyenv or venv shim would add a shell script in front).
fn python3() -> PathBuf {
    for p in ["/usr/bin/python3", "/usr/local/bin/python3"] {
        if Path::new(p).exists() {
            return p.into();
        }
    }
    "python3".into()
}

#[test]
fn python3_random_time_pid() {
    let fx = Fixture::new();
    let script = r#"
import random, time, os, tempfile
print("random", random.random(), random.randint(0, 10**9))
print("time", time.time(), time.monotonic(), time.perf_counter_ns())
print("pid", os.getpid(), os.getppid())
d = {}
for w in ["alpha", "beta", "gamma", "delta", "epsilon"]:
    d[w] = hash(w) % 1000
print("dict", list(d.items()))
print("set", list({"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}))
print("urandom", os.urandom(8).hex())
with tempfile.NamedTemporaryFile() as f:
    f.write(b"x" * 1000)
    f.flush()
    print("tempfile size", os.path.getsize(f.name))
print("cwd", os.getcwd())
"#;
    roundtrip(
        &fx,
        &argv([python3().as_os_str(), "-c".as_ref(), script.as_ref()]),
        None,
        OK_NONDET,
    );
}

#[test]
fn perl_random_time_pid() {
    let fx = Fixture::new();
    let script = r#"
my %h = map { $_ => 1 } qw(alpha beta gamma delta epsilon zeta eta theta);
print "rand ", rand(), "\n";
print "time ", time, " ", scalar(localtime), "\n";
print "pid $$ ", getppid(), "\n";
print "keys ", join(",", keys %h), "\n";
open(my $f, "<", "/dev/urandom") or die; read($f, my $b, 8); print "urandom ", unpack("H*", $b), "\n";
my $out = `echo backtick \$\$`; print $out;
print STDERR "to stderr\n";
"#;
    roundtrip(&fx, &argv(["perl", "-e", script]), None, OK_NONDET);
}

#[test]
fn sqlite3_database() {
    let fx = Fixture::new();
    let db = fx.work().join("test.db");
    let sql = "create table t(id integer primary key, r, d, f); \
               insert into t(r, d, f) values (random(), datetime('now'), strftime('%f', 'now')); \
               insert into t(r, d, f) select random(), datetime('now'), hex(randomblob(8)) from t; \
               select * from t; select count(*) from t;";
    let args = argv(["sqlite3".as_ref(), db.as_os_str(), sql.as_ref()]);
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &args, None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(db.exists(), "the recording did not create the database");
    fs::remove_file(&db).unwrap();
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
    assert!(
        !db.exists(),
        "replay re-created the database file {}",
        db.display()
    );
    let nat = fx.native(&args, None);
    assert_eq!(nat.code(), 0, "{}", nat.describe());
    assert_ne!(
        nat.stdout, rec.stdout,
        "native run printed the same as the recording"
    );
}

#[test]
fn bash_script_forks_and_execs() {
    let fx = Fixture::new();
    let script = fx.path().join("script.sh");
    fs::write(
        &script,
        r#"set -e
echo "pid $$ random $RANDOM $RANDOM"
echo "date $(date +%s%N)"
( echo "subshell $BASHPID"; exit 0 )
echo "Hello World" | tr a-z A-Z
x=$(echo nested $(echo deeper $BASHPID) | tr ' ' '-')
echo "$x"
for i in 1 2 3; do echo "loop $i $RANDOM"; done | sort -r
printf '%s\n' c b a | sort | head -n 2
sleep 0.01 &
bg=$!
wait $bg
echo "background job $bg done: $?"
{ echo to-stderr >&2; echo to-stdout; } 2>&1 | cat
echo "stderr line" >&2
v=$(cat /proc/uptime | cut -d' ' -f1)
echo "uptime $v"
echo "end $(date +%N)"
"#,
    )
    .unwrap();
    roundtrip(
        &fx,
        &argv(["bash".as_ref(), script.as_os_str()]),
        None,
        OK_NONDET,
    );
}

/// gcc runs cc1 and as (and writes temp files whose names are random): the object
/// file exists after recording, and replay must not re-create it.
#[test]
fn gcc_compile() {
    let fx = Fixture::new();
    let src = fx.work().join("hello.c");
    fs::write(
        &src,
        "#include <stdio.h>\nint main(void) { printf(\"hello\\n\"); return 0; }\n",
    )
    .unwrap();
    let obj = fx.work().join("hello.o");
    // -v prints the commands gcc runs, with the random names of its temp files.
    let args = argv(["gcc", "-v", "-c", "hello.c", "-o", "hello.o"]);
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &args, None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(
        obj.exists(),
        "the recording did not produce hello.o:\n{}",
        rec.describe()
    );
    fs::remove_file(&obj).unwrap();
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
    assert!(!obj.exists(), "replay re-created {}", obj.display());
    let nat = fx.native(&args, None);
    assert_eq!(nat.code(), 0, "{}", nat.describe());
    assert_ne!(
        (&nat.stdout, &nat.stderr),
        (&rec.stdout, &rec.stderr),
        "native run printed the same as the recording"
    );
}

/// git init/config/add/commit/log in a temp repo, with HOME in the fixture.
#[test]
fn git_commit_and_log() {
    let fx = Fixture::new();
    let script = fx.path().join("git.sh");
    fs::write(
        &script,
        r#"set -e
git init -q repo
cd repo
git config user.name "Rewind Test"
git config user.email test@example.com
echo "content $RANDOM $(date +%s%N)" > file.txt
git add file.txt
git commit -q -m "first commit"
echo "second $RANDOM" >> file.txt
git commit -q -am "second commit"
git log --format='%H %an <%ae> %s'
git rev-parse HEAD
git status --short --branch
git cat-file -p HEAD | head -n 3
git diff HEAD~1 --stat
"#,
    )
    .unwrap();
    let args = argv(["bash".as_ref(), script.as_os_str()]);
    let trace = fx.trace("trace");
    let mut cmd = fx.rewind(["record", "-o"]);
    cmd.arg(&trace)
        .arg("--")
        .args(&args)
        .env("HOME", fx.path())
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let rec = run(cmd, None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    let repo = fx.work().join("repo");
    assert!(
        repo.join(".git").exists(),
        "the recording did not create the repository"
    );
    fs::remove_dir_all(&repo).unwrap();
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
    assert!(!repo.exists(), "replay re-created {}", repo.display());
    let mut cmd = fx.command("bash");
    cmd.arg(&script)
        .env("HOME", fx.path())
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let nat = run(cmd, None);
    assert_eq!(nat.code(), 0, "{}", nat.describe());
    assert_ne!(
        nat.stdout, rec.stdout,
        "native run printed the same as the recording"
    );
}

#[test]
fn date_nanoseconds() {
    let fx = Fixture::new();
    let (rec, _) = roundtrip(&fx, &argv(["date", "+%s%N"]), None, OK_NONDET);
    assert_eq!(
        rec.stdout_str().trim().len(),
        19,
        "unexpected date output:\n{}",
        rec.describe()
    );
}

/// Thousands of small reads and writes in two processes joined by a pipe, with
/// data from /dev/urandom: a long trace with many chunks.
#[test]
fn dd_pipeline_many_syscalls() {
    let fx = Fixture::new();
    let (rec, _) = roundtrip(
        &fx,
        &argv([
            "sh",
            "-c",
            "dd if=/dev/urandom bs=100 count=3000 2>/dev/null | sha256sum; echo dd done",
        ]),
        None,
        OK_NONDET,
    );
    assert!(
        rec.stdout_str().ends_with("dd done\n"),
        "{}",
        rec.describe()
    );
}

/// Asserts the trace at `trace` holds at least `min` threads.
fn assert_threads(fx: &Fixture, trace: &Path, min: u64) {
    let mut cmd = fx.rewind(["info", "--json"]);
    cmd.arg(trace);
    let info = run(cmd, None);
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).expect("info --json");
    let threads = v["threads"].as_u64().unwrap_or(0);
    let processes = v["processes"].as_u64().unwrap_or(0);
    assert!(
        threads >= min && threads > processes,
        "expected at least {min} threads: {v:#}"
    );
}

#[test]
fn python3_threads() {
    let fx = Fixture::new();
    let script = r#"
import threading, queue, random, time
q = queue.Queue()
lock = threading.Lock()
shared = []
def worker(n):
    total = 0
    for i in range(20000):
        total += (i * n) % 7
        if i % 5000 == 0:
            with lock:
                shared.append(n)
    q.put((n, total, random.random()))
threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
for t in threads: t.start()
for t in threads: t.join()
print("interleaving", shared)
print("results", sorted(q.get() for _ in range(6)))
print("time", time.time())
"#;
    let trace = fx.trace("trace");
    roundtrip_at(
        &fx,
        &trace,
        &argv([python3().as_os_str(), "-c".as_ref(), script.as_ref()]),
        None,
        OK_NONDET,
    );
    assert_threads(&fx, &trace, 7);
}

#[test]
fn node_worker_threads() {
    let fx = Fixture::new();
    let script = r#"
const { Worker } = require("worker_threads");
const code = `const { parentPort, workerData } = require("worker_threads");
let s = 0; for (let i = 0; i < 300000; i++) s = (s * 31 + i * workerData) % 1000003;
parentPort.postMessage([workerData, s, Math.random()]);`;
const results = [];
for (let n = 1; n <= 3; n++) {
  const w = new Worker(code, { eval: true, workerData: n });
  w.on("message", (m) => {
    results.push(m);
    if (results.length === 3) {
      results.sort((a, b) => a[0] - b[0]);
      console.log(JSON.stringify(results), Date.now(), process.pid);
    }
  });
}
"#;
    let trace = fx.trace("trace");
    roundtrip_at(&fx, &trace, &argv(["node", "-e", script]), None, OK_NONDET);
    assert_threads(&fx, &trace, 4);
}

/// sqlite3 sorting with worker threads (PRAGMA threads) for an index build.
#[test]
fn sqlite3_worker_threads() {
    let fx = Fixture::new();
    let db = fx.work().join("threads.db");
    let sql = "PRAGMA threads=4; \
               CREATE TABLE t(a INTEGER, b TEXT); \
               WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<100000) \
               INSERT INTO t SELECT abs(random()) % 100000, hex(randomblob(8)) FROM c; \
               CREATE INDEX ti ON t(b); \
               SELECT count(*), sum(a) FROM t; \
               SELECT b FROM t ORDER BY b LIMIT 3;";
    let args = argv(["sqlite3".as_ref(), db.as_os_str(), sql.as_ref()]);
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &args, None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    fs::remove_file(&db).unwrap();
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
    assert!(!db.exists(), "replay re-created {}", db.display());
    assert_threads(&fx, &trace, 2);
}

/// The JVM: a dozen threads (compiler, GC, signal dispatcher...) just to start.
#[test]
fn java_version() {
    let fx = Fixture::new();
    let trace = fx.trace("trace");
    let rec = fx.record(&trace, &argv(["java", "-version"]), None);
    assert_eq!(rec.code(), 0, "{}", rec.describe());
    assert!(
        String::from_utf8_lossy(&rec.stderr).contains("version"),
        "{}",
        rec.describe()
    );
    let rep = fx.replay(&trace);
    assert_faithful(&rec, &rep);
    assert_threads(&fx, &trace, 8);
}
