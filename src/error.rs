//! Errors: per-file errors that never stop a batch, fatal errors that do, and
//! the exit codes both lead to.

use std::fmt;
use std::path::{Path, PathBuf};

/// The pipeline stage a per-file error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Walk,
    Read,
    Write,
    Undo,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Walk => "walk",
            Stage::Read => "read",
            Stage::Write => "write",
            Stage::Undo => "undo",
        })
    }
}

/// A failure on one file. The batch goes on; the report prints it like any
/// other row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub stage: Stage,
    /// The whole cause chain, outermost first, joined with ": ".
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<&'static str>,
}

impl FileError {
    /// Builds an error from any error, walking its `source()` chain so that
    /// "failed to parse Mpeg file" is followed by the reason lofty found.
    pub fn new(path: &Path, stage: Stage, err: &(dyn std::error::Error + 'static)) -> Self {
        let message = error_chain(err);
        let hint = hint_for(err);
        FileError { path: path.to_path_buf(), stage, message, hint }
    }

    pub fn with_message(path: &Path, stage: Stage, message: impl Into<String>, hint: Option<&'static str>) -> Self {
        FileError { path: path.to_path_buf(), stage, message: message.into(), hint }
    }

    /// The message a report prints: cause, then what to do.
    pub fn describe(&self) -> String {
        match self.hint {
            Some(hint) => format!("{}: {} ({hint})", self.stage, self.message),
            None => format!("{}: {}", self.stage, self.message),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.describe())
    }
}

/// Joins an error and its sources, dropping a source whose text its parent
/// already contains (io errors often repeat themselves).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

pub(crate) fn hint_for(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                std::io::ErrorKind::PermissionDenied => READ_HINTS[0],
                std::io::ErrorKind::NotFound => READ_HINTS[1],
                std::io::ErrorKind::UnexpectedEof => READ_HINTS[2],
                std::io::ErrorKind::InvalidInput => READ_HINTS[3],
                _ => READ_HINTS[4],
            });
        }
        source = cause.source();
    }
    Some(READ_HINTS[5])
}

/// The hints a read error can carry (`hint_for`, lofty panics).
const READ_HINTS: &[&str] = &[
    "check the file's permissions",
    "the file (or a link's target) does not exist",
    "the file is truncated; re-rip or re-download it",
    "the file is damaged or too short to be audio",
    "check the disk and the file",
    "the file is damaged or not really audio; check it with another player or re-encode it",
    PANIC_HINT,
];

/// The hint for a file lofty panicked on.
pub(crate) const PANIC_HINT: &str = "the file is malformed; re-encode it or report it to the lofty project";
/// The hint for a file lofty panicked on while writing its new tags (lofty 0.25
/// asserts, for one, when an MP4 tag shrinks by exactly 8 bytes).
pub(crate) const WRITE_PANIC_HINT: &str = "the file is untouched; a small change to the values (or none) avoids it; please report the file to the lofty project";

/// The `&'static` hint with this text, for errors restored from the state store.
pub fn known_hint(text: &str) -> Option<&'static str> {
    READ_HINTS.iter().find(|h| **h == text).copied()
}

/// A failure that stops the whole run.
#[derive(Debug, thiserror::Error)]
pub enum FatalError {
    #[error("path does not exist: {0}")]
    MissingPath(PathBuf),
    #[error("cannot write the report: {0}")]
    Output(#[source] std::io::Error),
    #[error("{0}")]
    Config(String),
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
}

/// reeltag's exit codes, listed in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: every file was handled.
    Success = 0,
    /// 1: some files failed; the batch went on.
    SomeFailed = 1,
    /// 2: usage error or fatal error.
    Fatal = 2,
    /// 130: interrupted by Ctrl-C.
    Interrupted = 130,
}

impl Exit {
    /// The code of two outcomes together: the worse one wins.
    pub fn merge(self, other: Exit) -> Exit {
        self.max(other)
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_the_worse_code() {
        assert_eq!(Exit::Success.merge(Exit::SomeFailed), Exit::SomeFailed);
        assert_eq!(Exit::SomeFailed.merge(Exit::Success), Exit::SomeFailed);
        assert_eq!(Exit::Fatal.merge(Exit::SomeFailed), Exit::Fatal);
        assert_eq!(Exit::Interrupted.merge(Exit::Fatal), Exit::Interrupted);
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::SomeFailed.code(), 1);
        assert_eq!(Exit::Fatal.code(), 2);
        assert_eq!(Exit::Interrupted.code(), 130);
    }

    #[test]
    fn chain_names_every_cause_once() {
        let inner = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "stream ended early");
        #[derive(Debug, thiserror::Error)]
        #[error("failed to parse Flac file")]
        struct Outer(#[source] std::io::Error);
        let err = Outer(inner);
        assert_eq!(error_chain(&err), "failed to parse Flac file: stream ended early");
        let file_err = FileError::new(Path::new("a.flac"), Stage::Read, &err);
        assert!(file_err.describe().contains("truncated"), "{}", file_err.describe());
        assert!(file_err.to_string().starts_with("a.flac: read: failed to parse Flac file"));
    }
}
