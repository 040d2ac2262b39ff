//! Reports of `reeltag tag` and `reeltag undo`: one record per audio file
//! with its planned (or applied) changes.
//!
//! JSON lines: `{"path": "...", "role": "score", "changes": [{"field":
//! "grouping", "old": null, "new": "Original Score"}], "status": "planned"}`.
//! `changes` is `[]` where nothing would change; `status` is `planned` (dry
//! run), `written`, `unchanged` or `failed` (then `error` says why). A file
//! that could not be read: `{"path": "...", "error": "..."}`.

use std::io::{self, Write};

use serde_json::json;

use crate::classify::Role;
use crate::config::Format;
use crate::error::FileError;
use crate::fields::spec;
use crate::plan::{Change, typed};

/// What happened to one file.
#[derive(Debug)]
pub enum Status {
    Planned,
    Written,
    Unchanged,
    Failed(FileError),
}

impl Status {
    fn name(&self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Written => "written",
            Status::Unchanged => "unchanged",
            Status::Failed(_) => "failed",
        }
    }
}

/// One file's line in the report.
pub struct PlanRow<'a> {
    pub path: &'a std::path::Path,
    pub role: Option<Role>,
    pub changes: &'a [Change],
    pub status: &'a Status,
}

// One sink per report, so the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Sink<'w> {
    Plain(Box<dyn Write + 'w>),
    Csv(::csv::Writer<Box<dyn Write + 'w>>),
}

pub struct PlanReport<'w> {
    format: Format,
    sink: Sink<'w>,
    header_written: bool,
}

impl<'w> PlanReport<'w> {
    pub fn new(format: Format, out: Box<dyn Write + 'w>) -> Self {
        let sink = if format == Format::Csv { Sink::Csv(::csv::Writer::from_writer(out)) } else { Sink::Plain(out) };
        PlanReport { format, sink, header_written: false }
    }

    pub fn failed_read(&mut self, err: &FileError) -> io::Result<()> {
        let status = Status::Failed(err.clone());
        self.record(&PlanRow { path: &err.path, role: None, changes: &[], status: &status })
    }

    pub fn record(&mut self, row: &PlanRow<'_>) -> io::Result<()> {
        let error = match row.status {
            Status::Failed(err) => Some(err.describe()),
            _ => None,
        };
        let header_written = std::mem::replace(&mut self.header_written, true);
        match (&mut self.sink, self.format) {
            (Sink::Csv(csv), _) => {
                if !header_written {
                    csv.write_record(["path", "role", "status", "field", "old", "new", "error"])?;
                }
                let path = row.path.to_string_lossy();
                let role = row.role.map(|r| r.to_string()).unwrap_or_default();
                let error = error.unwrap_or_default();
                if row.changes.is_empty() {
                    csv.write_record([&*path, &role, row.status.name(), "", "", "", &error])?;
                }
                for c in row.changes {
                    let kind = spec(c.field).kind;
                    let (old, new) = (typed(kind, &c.old).to_string(), typed(kind, &c.new).to_string());
                    csv.write_record([&*path, &role, row.status.name(), spec(c.field).name, &old, &new, &error])?;
                }
                Ok(())
            }
            (Sink::Plain(out), Format::Jsonl) => {
                let changes: Vec<_> = row.changes.iter().map(Change::to_json).collect();
                let mut value = json!({"path": row.path.to_string_lossy(), "role": row.role, "changes": changes,
                    "status": row.status.name()});
                if let Some(error) = error {
                    value["error"] = json!(error);
                }
                serde_json::to_writer(&mut *out, &value)?;
                out.write_all(b"\n")
            }
            (Sink::Plain(out), _) => {
                if row.changes.is_empty() && error.is_none() {
                    return Ok(());
                }
                let role = row.role.map(|r| format!(" ({r})")).unwrap_or_default();
                writeln!(out, "{}{role}: {}", row.path.display(), row.status.name())?;
                if let Some(error) = error {
                    writeln!(out, "    error: {error}")?;
                }
                for c in row.changes {
                    let kind = spec(c.field).kind;
                    writeln!(out, "    {}: {} → {}", spec(c.field).name, typed(kind, &c.old), typed(kind, &c.new))?;
                }
                Ok(())
            }
        }
    }

    pub fn finish(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Plain(out) => out.flush(),
            Sink::Csv(csv) => csv.flush(),
        }
    }
}
