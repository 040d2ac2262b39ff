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
use serde::Serialize;

use crate::classify::{Decision, Reason, Role};
use crate::error::FileError;
use crate::track::{Tags, Track};

pub struct JsonlReport<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> JsonlReport<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        JsonlReport { out }
    }
}

/// A read file's record, serialized straight from borrowed data: the key
/// order is the contract's, and no JSON tree is built per file.
#[derive(Serialize)]
struct TrackRecord<'a> {
    path: std::borrow::Cow<'a, str>,
    format: &'a str,
    tag_types: &'a [&'static str],
    tags: &'a Tags,
    role: Role,
    confidence: f64,
    reasons: Reasons<'a>,
}

/// Serializes each reason straight from its `Display`, with no string built first.
struct Reasons<'a>(&'a Decision);

impl Serialize for Reasons<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct AsStr<'r>(Reason<'r>);
        impl Serialize for AsStr<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }
        s.collect_seq(self.0.reason_items().into_iter().map(AsStr))
    }
}

impl<'a> TrackRecord<'a> {
    fn new(track: &'a Track, decision: &'a Decision) -> Self {
        TrackRecord {
            path: track.path.to_string_lossy(),
            format: track.format,
            tag_types: &track.tag_types,
            tags: &track.tags,
            role: decision.role,
            confidence: decision.confidence,
            reasons: Reasons(decision),
        }
    }
}

/// The JSON object of a file that failed.
fn error_record(err: &FileError) -> Value {
    json!({ "path": err.path.to_string_lossy(), "error": err.describe() })
}

impl Report for JsonlReport<'_> {
    fn record(&mut self, row: &Row<'_>) -> io::Result<()> {
        match row {
            Row::Track { track, decision } => serde_json::to_writer(&mut self.out, &TrackRecord::new(track, decision))?,
            Row::Failed(err) => serde_json::to_writer(&mut self.out, &error_record(err))?,
        }
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
