//! Reports of `reeltag tag` and `reeltag undo`: one record per audio file
//! with its planned (or applied) changes.
//!
//! JSON lines: `{"path": "...", "role": "score", "changes": [{"field":
//! "grouping", "old": null, "new": "Original Score"}], "status": "planned"}`.
//! `changes` is `[]` where nothing would change; `status` is `planned` (dry
//! run), `written`, `unchanged` or `failed` (then `error` says why). A file
//! that could not be read: `{"path": "...", "error": "..."}`.

use std::io::{self, Write};

use crate::classify::Role;
use crate::config::Format;
use crate::error::FileError;
use crate::fields::{Kind, spec};
use crate::plan::Change;
use crate::report::jsonl::string;

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
    /// The JSON line being built, reused from row to row.
    line: Vec<u8>,
}

impl<'w> PlanReport<'w> {
    pub fn new(format: Format, out: Box<dyn Write + 'w>) -> Self {
        let sink = if format == Format::Csv { Sink::Csv(::csv::Writer::from_writer(out)) } else { Sink::Plain(out) };
        PlanReport { format, sink, header_written: false, line: Vec::new() }
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
                    let (old, new) = (typed_text(kind, &c.old), typed_text(kind, &c.new));
                    csv.write_record([&*path, &role, row.status.name(), spec(c.field).name, &old, &new, &error])?;
                }
                Ok(())
            }
            (Sink::Plain(out), Format::Jsonl) => {
                let mut line = std::mem::take(&mut self.line);
                line.clear();
                jsonl_record(&mut line, row, error.as_deref());
                let written = out.write_all(&line);
                self.line = line;
                written
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
                    writeln!(
                        out,
                        "    {}: {} → {}",
                        spec(c.field).name,
                        typed_text(kind, &c.old),
                        typed_text(kind, &c.new)
                    )?;
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

/// One JSON line, written by hand as `report::jsonl` writes scan rows (building
/// a `serde_json::Value` per row was a tenth of a dry run's instructions). The
/// test below holds it to what serde_json writes for the same row.
fn jsonl_record(out: &mut Vec<u8>, row: &PlanRow<'_>, error: Option<&str>) {
    out.extend_from_slice(b"{\"path\":");
    string(out, &row.path.to_string_lossy());
    out.extend_from_slice(b",\"role\":");
    match row.role {
        Some(role) => string(out, role.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"changes\":[");
    for (n, change) in row.changes.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let spec = spec(change.field);
        out.extend_from_slice(b"{\"field\":");
        string(out, spec.name);
        out.extend_from_slice(b",\"old\":");
        typed_json(out, spec.kind, &change.old);
        out.extend_from_slice(b",\"new\":");
        typed_json(out, spec.kind, &change.new);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"status\":");
    string(out, row.status.name());
    if let Some(error) = error {
        out.extend_from_slice(b",\"error\":");
        string(out, error);
    }
    out.extend_from_slice(b"}\n");
}

/// A field's values as JSON of its kind (`null` when there are none), as
/// every format of the plan report shows them.
fn typed_json(out: &mut Vec<u8>, kind: Kind, values: &[String]) {
    let Some(first) = values.first() else {
        out.extend_from_slice(b"null");
        return;
    };
    match kind {
        Kind::List => {
            out.push(b'[');
            for (n, value) in values.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                string(out, value);
            }
            out.push(b']');
        }
        Kind::Number => match first.parse::<u64>() {
            Ok(number) => out.extend_from_slice(number.to_string().as_bytes()),
            Err(_) => string(out, first),
        },
        Kind::Flag | Kind::Presence => out.extend_from_slice(if first == "1" { b"true" } else { b"false" }),
        Kind::Text => string(out, first),
    }
}

/// [`typed_json`] as text, for the CSV and table reports.
fn typed_text(kind: Kind, values: &[String]) -> String {
    let mut out = Vec::new();
    typed_json(&mut out, kind, values);
    String::from_utf8(out).expect("JSON written from strings is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{FIELDS, Field};
    use serde_json::json;

    /// What the report wrote before it wrote by hand, kept as the reference.
    fn with_serde_json(row: &PlanRow<'_>, error: Option<&str>) -> String {
        let changes: Vec<_> = row.changes.iter().map(Change::to_json).collect();
        let mut value = json!({"path": row.path.to_string_lossy(), "role": row.role, "changes": changes,
            "status": row.status.name()});
        if let Some(error) = error {
            value["error"] = json!(error);
        }
        format!("{}\n", serde_json::to_string(&value).unwrap())
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let odd = "Zoë \"q\" \\ \t\n \u{1}";
        let values = |field: Field| -> Vec<String> {
            match spec(field).kind {
                Kind::List => vec!["A".into(), odd.into()],
                Kind::Number => vec!["7".into()],
                Kind::Flag | Kind::Presence => vec!["1".into()],
                Kind::Text => vec![odd.into()],
            }
        };
        let mut changes: Vec<Change> =
            FIELDS.iter().map(|s| Change { field: s.field, old: Vec::new(), new: values(s.field) }).collect();
        changes.push(Change { field: Field::Track, old: vec!["03/12".into()], new: vec!["3".into()] });
        changes.push(Change { field: Field::Compilation, old: vec!["0".into()], new: Vec::new() });
        let path = std::path::Path::new("/music/Zoë \"x\"/01.flac");
        let failed = Status::Failed(FileError::new(path, crate::error::Stage::Read, &std::io::Error::other(odd)));
        for (role, status, changes) in [
            (Some(Role::Score), &Status::Planned, &changes[..]),
            (Some(Role::None), &Status::Unchanged, &[][..]),
            (None, &failed, &[][..]),
        ] {
            let row = PlanRow { path, role, changes, status };
            let error = match status {
                Status::Failed(err) => Some(err.describe()),
                _ => None,
            };
            let mut ours = Vec::new();
            jsonl_record(&mut ours, &row, error.as_deref());
            assert_eq!(String::from_utf8(ours).unwrap(), with_serde_json(&row, error.as_deref()));
        }
        // The CSV and table reports show values the same way.
        for c in &changes {
            let kind = spec(c.field).kind;
            assert_eq!(typed_text(kind, &c.new), crate::plan::typed(kind, &c.new).to_string());
            assert_eq!(typed_text(kind, &c.old), crate::plan::typed(kind, &c.old).to_string());
        }
    }
}
