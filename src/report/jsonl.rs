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

use serde_json::ser::{CompactFormatter, Formatter};

use super::{Report, Row};

use crate::classify::Decision;
use crate::error::FileError;
use crate::track::{Tags, Track};

pub struct JsonlReport<'w> {
    out: Box<dyn Write + 'w>,
    /// One record at a time: many small writes through `dyn Write` cost more
    /// than one write of the finished line.
    line: Vec<u8>,
}

impl<'w> JsonlReport<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        JsonlReport { out, line: Vec::with_capacity(1024) }
    }
}

/// Writes `text` as a JSON string, escaped exactly as serde_json escapes it.
/// Runs of plain bytes are found eight at a time and copied whole: escaping
/// was a sixth of an unchanged re-run's instructions when it went byte by byte.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut plain = 0;
    let mut i = next_to_escape(bytes, 0);
    while i < bytes.len() {
        let byte = bytes[i];
        out.extend_from_slice(&bytes[plain..i]);
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => b"",
        };
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        } else {
            out.extend_from_slice(escape);
        }
        plain = i + 1;
        i = next_to_escape(bytes, plain);
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

/// Whether JSON escapes `byte`: a control character, a quote or a backslash.
fn must_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The index of the first byte at or after `from` that must be escaped, or the length.
fn next_to_escape(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Nonzero when some byte of `word` is zero (exact as a yes/no answer).
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        if below_space | has_zero(word ^ (ONES * u64::from(b'"'))) | has_zero(word ^ (ONES * u64::from(b'\\'))) != 0 {
            break;
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| must_escape(b)).map_or(bytes.len(), |at| i + at)
}

fn key(out: &mut Vec<u8>, name: &str, first: bool) {
    if !first {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn text_or_null(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// A list, or `null` when empty (the contract's "not tagged").
fn list_or_null<'a>(out: &mut Vec<u8>, values: impl ExactSizeIterator<Item = &'a str>) {
    if values.len() == 0 {
        out.extend_from_slice(b"null");
        return;
    }
    out.push(b'[');
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, value);
    }
    out.push(b']');
}

fn number_or_null(out: &mut Vec<u8>, value: Option<u32>) {
    match value {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// The `tags` object, keys in `Tags`' field order (as its `Serialize` gives them).
fn tags(out: &mut Vec<u8>, tags: &Tags) {
    out.push(b'{');
    key(out, "title", true);
    text_or_null(out, tags.title.as_deref());
    key(out, "artist", false);
    list_or_null(out, tags.artist.iter().map(String::as_str));
    key(out, "album", false);
    text_or_null(out, tags.album.as_deref());
    key(out, "albumartist", false);
    text_or_null(out, tags.albumartist.as_deref());
    key(out, "composer", false);
    list_or_null(out, tags.composer.iter().map(String::as_str));
    key(out, "genre", false);
    list_or_null(out, tags.genre.iter().map(String::as_str));
    key(out, "track", false);
    number_or_null(out, tags.track);
    key(out, "track_total", false);
    number_or_null(out, tags.track_total);
    key(out, "disc", false);
    number_or_null(out, tags.disc);
    key(out, "disc_total", false);
    number_or_null(out, tags.disc_total);
    key(out, "date", false);
    text_or_null(out, tags.date.as_deref());
    key(out, "grouping", false);
    text_or_null(out, tags.grouping.as_deref());
    key(out, "comment", false);
    text_or_null(out, tags.comment.as_deref());
    key(out, "releasetype", false);
    list_or_null(out, tags.releasetype.iter().map(String::as_str));
    key(out, "compilation", false);
    out.extend_from_slice(match tags.compilation {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
    key(out, "lyrics", false);
    out.extend_from_slice(if tags.lyrics { b"true" } else { b"false" });
    out.push(b'}');
}

/// A read file's record, written straight from borrowed data in the
/// contract's key order; no JSON tree and no intermediate strings.
fn track_record(out: &mut Vec<u8>, track: &Track, decision: &Decision) {
    out.push(b'{');
    key(out, "path", true);
    string(out, &track.path.to_string_lossy());
    key(out, "format", false);
    string(out, track.format);
    key(out, "tag_types", false);
    out.push(b'[');
    for (i, tag_type) in track.tag_types.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, tag_type);
    }
    out.push(b']');
    key(out, "tags", false);
    tags(out, &track.tags);
    key(out, "role", false);
    string(out, decision.role.as_str());
    key(out, "confidence", false);
    // serde_json's own float formatting, so the digits stay the same.
    let _ = CompactFormatter.write_f64(out, decision.confidence);
    key(out, "reasons", false);
    out.push(b'[');
    for (i, reason) in decision.reason_items().iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, &reason.text());
    }
    out.push(b']');
    out.push(b'}');
}

fn error_record(out: &mut Vec<u8>, err: &FileError) {
    out.push(b'{');
    key(out, "path", true);
    string(out, &err.path.to_string_lossy());
    key(out, "error", false);
    string(out, &err.describe());
    out.push(b'}');
}

impl Report for JsonlReport<'_> {
    fn record(&mut self, row: &Row<'_>) -> io::Result<()> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        match row {
            Row::Track { track, decision } => track_record(&mut line, track, decision),
            Row::Failed(err) => error_record(&mut line, err),
        }
        line.push(b'\n');
        let written = self.out.write_all(&line);
        self.line = line;
        written
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn strings_escape_as_serde_json_does(text in proptest::prelude::any::<String>()) {
            let mut ours = Vec::new();
            string(&mut ours, &text);
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&text).unwrap());
        }
    }

    /// Every ASCII byte at every offset of an eight-byte word.
    #[test]
    fn each_ascii_byte_escapes_wherever_it_sits() {
        for byte in 0u8..0x80 {
            for at in 0..17 {
                let mut text = "abcdefghijklmnopq".to_string();
                text.replace_range(at..=at, std::str::from_utf8(&[byte]).unwrap());
                let mut ours = Vec::new();
                string(&mut ours, &text);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(&text).unwrap(),
                    "{byte:#x} at {at}"
                );
            }
        }
    }

    /// The hand-written writer must match serde_json byte for byte, including
    /// when `Tags` gains a field (then this test fails until `tags` writes it).
    #[test]
    fn writes_what_serde_json_writes() {
        let odd = "Zoë \"quoted\" \\ tab\t nl\n cr\r \u{1} \u{7f} \u{8} \u{c} “x”";
        let full = Tags {
            title: Some(odd.into()),
            artist: vec!["A".into(), odd.into()],
            album: Some("Album".into()),
            albumartist: Some("AA".into()),
            composer: vec!["C".into()],
            genre: vec!["Soundtrack".into()],
            track: Some(3),
            track_total: Some(4_000_000_000),
            disc: Some(1),
            disc_total: Some(2),
            date: Some("1977".into()),
            grouping: Some("g".into()),
            comment: Some(String::new()),
            releasetype: vec!["album".into(), "soundtrack".into()],
            compilation: Some(false),
            lyrics: true,
        };
        for t in [Tags::default(), full, Tags { compilation: Some(true), ..Tags::default() }] {
            let mut out = Vec::new();
            tags(&mut out, &t);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&t).unwrap());
        }
        for text in [odd, "", "plain", "\u{0}\u{1f}"] {
            let mut out = Vec::new();
            string(&mut out, text);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(text).unwrap());
        }
    }
}
