//! Output: one printer per format behind the [`Report`] trait. Stages never
//! format text; the driver hands each finished row to the chosen printer.

mod csv;
mod jsonl;
pub mod plan;
pub mod stats;
mod table;

use std::io::{self, Write};

use crate::classify::Decision;
use crate::config::Format;
use crate::error::FileError;
use crate::track::Track;

/// One row of a report, in path order.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Track { track: &'a Track, decision: &'a Decision },
    Failed(&'a FileError),
}

impl Row<'_> {
    pub fn path(&self) -> &std::path::Path {
        match self {
            Row::Track { track, .. } => &track.path,
            Row::Failed(err) => &err.path,
        }
    }
}

/// A report printer.
pub trait Report {
    fn record(&mut self, row: &Row<'_>) -> io::Result<()>;
    /// Flushes whatever the printer buffered (the table aligns columns at the end).
    fn finish(&mut self) -> io::Result<()>;
}

/// The printer for a format, writing to `out`.
pub fn printer<'w>(format: Format, out: Box<dyn Write + 'w>) -> Box<dyn Report + 'w> {
    match format {
        Format::Jsonl => Box::new(jsonl::JsonlReport::new(out)),
        Format::Csv => Box::new(csv::CsvReport::new(out)),
        Format::Table => Box::new(table::TableReport::new(out)),
    }
}
