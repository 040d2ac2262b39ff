//! Helpers shared by the integration tests: fixture copies in temp folders,
//! running the real binary, and parsing what it prints.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// The committed fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// One committed fixture file.
pub fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

/// A fresh temp folder.
pub fn temp() -> TempDir {
    tempfile::Builder::new().prefix("reeltag-test-").tempdir().expect("create a temp folder")
}

/// Copies a folder tree (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("list {}: {e}", from.display())) {
        let entry = entry.expect("read a folder entry");
        let target = to.join(entry.file_name());
        let file_type = entry.file_type().expect("file type");
        if file_type.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if file_type.is_file() {
            fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", entry.path().display(), target.display()));
        }
    }
}

/// Copies one fixture (relative to `fixtures/`) to `dir/name` and returns the new path.
pub fn copy_fixture(rel: &str, dir: &Path, name: impl AsRef<OsStr>) -> PathBuf {
    let target = dir.join(name.as_ref());
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).expect("create the target folder");
    }
    fs::copy(fixture(rel), &target).unwrap_or_else(|e| panic!("copy {rel} to {}: {e}", target.display()));
    target
}

/// The reeltag binary, with a config folder that holds no config so a
/// developer's own rules never change the results.
pub fn reeltag() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reeltag"));
    cmd.env("XDG_CONFIG_HOME", std::env::temp_dir().join("reeltag-tests-no-config"));
    // A state file per test process: tests never share (or wait for) one, and a
    // developer's own cache is never touched.
    cmd.env("XDG_CACHE_HOME", Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{}", std::process::id())));
    cmd.env_remove("NO_COLOR");
    cmd
}

/// What one run printed.
#[derive(Debug)]
pub struct Run {
    /// `None` when the process was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Every stdout line parsed as JSON; fails the test on a line that is not.
    pub fn records(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{self}")))
            .collect()
    }

    /// Records keyed by their path relative to `root` ('/'-separated).
    pub fn by_path(&self, root: &Path) -> BTreeMap<String, Value> {
        let mut map = BTreeMap::new();
        for record in self.records() {
            let rel = relative(root, path_of(&record));
            assert!(map.insert(rel.clone(), record).is_none(), "{rel} reported twice\n{self}");
        }
        map
    }

    /// The number in the summary line's "N skipped".
    pub fn skipped(&self) -> usize {
        summary_count(&self.stderr, "skipped").unwrap_or_else(|| panic!("no \"N skipped\" on stderr\n{self}"))
    }

    /// The number in the summary line's "N failed".
    pub fn failed(&self) -> usize {
        summary_count(&self.stderr, "failed").unwrap_or_else(|| panic!("no \"N failed\" on stderr\n{self}"))
    }

    /// Fails unless the exit code is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code\n{self}");
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--- exit {:?}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// `reeltag scan ARGS...`, run to completion.
pub fn scan<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    reeltag().arg("scan").args(args).output().expect("run reeltag").into()
}

/// `reeltag scan ROOT --format jsonl EXTRA...`.
pub fn scan_jsonl(root: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![root.as_os_str(), OsStr::new("--format"), OsStr::new("jsonl")];
    args.extend(extra.iter().map(OsStr::new));
    scan(args)
}

/// A record's "path".
pub fn path_of(record: &Value) -> &str {
    record["path"].as_str().unwrap_or_else(|| panic!("record without a string \"path\": {record}"))
}

/// `path` relative to `root`, '/'-separated.
pub fn relative(root: &Path, path: &str) -> String {
    let root = root.to_string_lossy();
    path.strip_prefix(root.as_ref())
        .unwrap_or_else(|| panic!("{path} is not under {root}"))
        .trim_start_matches('/')
        .to_string()
}

/// The number before `word` in a summary like "3 read, 2 skipped, 0 failed".
pub fn summary_count(stderr: &str, word: &str) -> Option<usize> {
    stderr.lines().rev().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.windows(2).find_map(|w| (w[1].trim_end_matches([',', ';']) == word).then(|| w[0].parse().ok()).flatten())
    })
}

/// A tags field of a read record.
pub fn tag<'a>(record: &'a Value, field: &str) -> &'a Value {
    let tags = record.get("tags").unwrap_or_else(|| panic!("record without \"tags\": {record}"));
    tags.get(field).unwrap_or_else(|| panic!("\"tags\" without \"{field}\": {record}"))
}

/// Deterministic pseudo-random bytes (a 64-bit LCG), so a "random" file is
/// the same on every run.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect()
}

/// Writes `bytes` to `dir/name` (creating folders) and returns the path.
pub fn write_file(dir: &Path, name: impl AsRef<OsStr>, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name.as_ref());
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create the folder");
    }
    fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// Runs `cmd` (its output already sent to files: a pipe could fill and stall
/// it) and waits at most `limit`; past that the child is killed and the test
/// fails, saying `what` ran too long.
pub fn run_with_limit(cmd: &mut Command, limit: std::time::Duration, what: &str) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    let mut child = cmd.stdin(std::process::Stdio::null()).spawn().expect("start reeltag");
    loop {
        if let Some(status) = child.try_wait().expect("wait for reeltag") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ran longer than {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
