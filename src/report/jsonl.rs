//! JSON lines: one object per audio file, the contract other tools read.
//!
//! A file that was read:
//! ```json
//! {"path": "...", "format": "flac", "tag_types": ["vorbis"],
//!  "tags": {"title": "...", "artist": ["..."], "album": "...", "albumartist": "...",
//!           "composer": ["..."], "genre": ["..."], "track": 3, "track_total": 12,
//!           "disc": 1, "disc_total": 2, "date": "1977-05-25", "grouping": "...",
//!           "comment": null, "releasetype": ["album", "soundtrack"],
//!           "compilation": false, "lyrics": false},
//!  "role": "score", "confidence": 0.93, "reasons": ["..."]}
//! ```
//! Missing values are `null` (an empty list too). A file that could not be
//! read: `{"path": "...", "error": "read: <cause chain> (<what to do>)"}`.
//! Paths that are not valid UTF-8 are printed lossily (U+FFFD).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Report, Row};
use crate::classify::Decision;
use crate::error::FileError;
use crate::track::Track;

pub struct JsonlReport<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> JsonlReport<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        JsonlReport { out }
    }
}

/// The JSON object of a file that was read.
pub fn track_record(track: &Track, decision: &Decision) -> Value {
    json!({
        "path": track.path.to_string_lossy(),
        "format": track.format,
        "tag_types": track.tag_types,
        "tags": track.tags,
        "role": decision.role,
        "confidence": decision.confidence,
        "reasons": decision.reasons(),
    })
}

/// The JSON object of a file that failed.
pub fn error_record(err: &FileError) -> Value {
    json!({ "path": err.path.to_string_lossy(), "error": err.describe() })
}

impl Report for JsonlReport<'_> {
    fn record(&mut self, row: &Row<'_>) -> io::Result<()> {
        let value = match row {
            Row::Track { track, decision } => track_record(track, decision),
            Row::Failed(err) => error_record(err),
        };
        serde_json::to_writer(&mut self.out, &value)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
