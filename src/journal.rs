//! The journal: before a file is replaced, the old values of every field to
//! change are durably recorded, so any run can be undone.
//!
//! One append-only JSON-lines file per run, under
//! `$XDG_STATE_HOME/reeltag/journal/` (or `--journal DIR`), named by run id:
//! ```text
//! {"type":"begin","run":"20261128T042501Z-1234","started":"…","command":"tag","paths":["…"]}
//! {"type":"intent","path":"…","changes":[{"field":"grouping","old":[],"new":["Original Score"]}]}
//! {"type":"done","path":"…","size":1234,"mtime_ns":…}
//! {"type":"end","changed":10,"failed":0}
//! ```
//! An `intent` is fsynced before its file is renamed over; `done` records the
//! replaced file's size and mtime so undo can tell whether it changed since.
//! A run killed at any instant leaves intents without `done`: undo then looks
//! at the file's current values to see whether the rename happened.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fields::{FIELDS, Field};
use crate::plan::Change;

/// A change as the journal stores it: field by name, values as raw strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalChange {
    pub field: String,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

impl JournalChange {
    pub fn from_change(change: &Change) -> Self {
        JournalChange {
            field: crate::fields::spec(change.field).name.to_string(),
            old: change.old.clone(),
            new: change.new.clone(),
        }
    }

    /// The change, or `None` for a field name this version does not know.
    pub fn to_change(&self) -> Option<Change> {
        let field: Field = FIELDS.iter().find(|s| s.name == self.field)?.field;
        Some(Change { field, old: self.old.clone(), new: self.new.clone() })
    }
}

/// One line of a run's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Entry {
    Begin { run: String, started_unix: u64, command: String, paths: Vec<PathBuf> },
    Intent { path: PathBuf, changes: Vec<JournalChange> },
    Done { path: PathBuf, size: u64, mtime_ns: i64 },
    End { changed: usize, failed: usize },
}

/// A file's size and modification time: how reeltag notices a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i64,
}

impl Stamp {
    pub fn of(meta: &fs::Metadata) -> Stamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i64,
                Err(e) => -(e.duration().as_nanos() as i64),
            })
            .unwrap_or(0);
        Stamp { size: meta.len(), mtime_ns }
    }

    pub fn read(path: &Path) -> io::Result<Stamp> {
        fs::metadata(path).map(|m| Stamp::of(&m))
    }
}

/// The default journal folder.
pub fn default_dir() -> Option<PathBuf> {
    dirs::state_dir().or_else(dirs::data_local_dir).map(|d| d.join("reeltag").join("journal"))
}

/// An open run journal. Writes go through one handle; `record_durably` fsyncs.
pub struct Journal {
    file: File,
    pub run: String,
    pub path: PathBuf,
}

impl Journal {
    /// Starts a new run journal in `dir`.
    pub fn create(dir: &Path, command: &str, paths: &[PathBuf]) -> io::Result<Journal> {
        fs::create_dir_all(dir)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        // Sortable by time; the pid and nanoseconds keep two runs in one second apart.
        let run = format!("{}-{:09}-{}", now.as_secs(), now.subsec_nanos(), std::process::id());
        let path = dir.join(format!("{run}.jsonl"));
        let file = OpenOptions::new().create_new(true).append(true).open(&path)?;
        let mut journal = Journal { file, run: run.clone(), path };
        let begin = Entry::Begin { run, started_unix: now.as_secs(), command: command.into(), paths: paths.to_vec() };
        journal.record_durably(&[begin])?;
        sync_dir(dir)?;
        Ok(journal)
    }

    /// Appends entries without waiting for the disk.
    pub fn record(&mut self, entries: &[Entry]) -> io::Result<()> {
        let mut text = Vec::new();
        for entry in entries {
            serde_json::to_writer(&mut text, entry)?;
            text.push(b'\n');
        }
        self.file.write_all(&text)
    }

    /// Appends entries and returns only once they are on disk.
    pub fn record_durably(&mut self, entries: &[Entry]) -> io::Result<()> {
        self.record(entries)?;
        self.file.sync_data()
    }
}

/// fsyncs a folder, so a rename or a new file in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A journaled run, read back.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub path: PathBuf,
    pub started_unix: u64,
    pub command: String,
    pub paths: Vec<PathBuf>,
    pub intents: Vec<(PathBuf, Vec<JournalChange>)>,
    pub done: Vec<(PathBuf, Stamp)>,
    pub finished: bool,
}

/// Reads one run's journal. A torn last line (a crash mid-write) is ignored.
pub fn read_run(path: &Path) -> io::Result<Run> {
    let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut run = Run {
        id,
        path: path.to_path_buf(),
        started_unix: 0,
        command: String::new(),
        paths: Vec::new(),
        intents: Vec::new(),
        done: Vec::new(),
        finished: false,
    };
    for line in BufReader::new(File::open(path)?).lines() {
        let Ok(entry) = serde_json::from_str::<Entry>(&line?) else { continue };
        match entry {
            Entry::Begin { started_unix, command, paths, .. } => {
                run.started_unix = started_unix;
                run.command = command;
                run.paths = paths;
            }
            Entry::Intent { path, changes } => run.intents.push((path, changes)),
            Entry::Done { path, size, mtime_ns } => run.done.push((path, Stamp { size, mtime_ns })),
            Entry::End { .. } => run.finished = true,
        }
    }
    Ok(run)
}

/// Every run in a journal folder, oldest first.
pub fn list_runs(dir: &Path) -> io::Result<Vec<Run>> {
    let mut paths: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    paths.retain(|p| p.extension().is_some_and(|e| e == "jsonl"));
    // Ids start with seconds and zero-padded nanoseconds; sort numerically by them.
    paths.sort_by_key(|p| {
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut parts = stem.split('-');
        let secs: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let nanos: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        (secs, nanos)
    });
    paths.iter().map(|p| read_run(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_reads_back_and_survives_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), "tag", &[PathBuf::from("/m")]).unwrap();
        let change = JournalChange { field: "grouping".into(), old: vec![], new: vec!["Original Score".into()] };
        journal.record_durably(&[Entry::Intent { path: "/m/a.flac".into(), changes: vec![change.clone()] }]).unwrap();
        journal.record(&[Entry::Done { path: "/m/a.flac".into(), size: 10, mtime_ns: 5 }]).unwrap();
        // A crash in the middle of the next line.
        journal.file.write_all(b"{\"type\":\"intent\",\"pa").unwrap();
        let runs = list_runs(dir.path()).unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run.command, "tag");
        assert_eq!(run.intents, vec![(PathBuf::from("/m/a.flac"), vec![change.clone()])]);
        assert_eq!(run.done, vec![(PathBuf::from("/m/a.flac"), Stamp { size: 10, mtime_ns: 5 })]);
        assert!(!run.finished);
        assert_eq!(change.to_change().unwrap().field, Field::Grouping);
    }

    #[test]
    fn runs_list_oldest_first_and_a_missing_folder_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(list_runs(&dir.path().join("none")).unwrap().is_empty());
        let a = Journal::create(dir.path(), "tag", &[]).unwrap();
        let b = Journal::create(dir.path(), "undo", &[]).unwrap();
        let ids: Vec<String> = list_runs(dir.path()).unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![a.run, b.run]);
    }
}
