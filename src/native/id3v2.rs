//! ID3v2 frames (MP3, AAC, and the ID3v2 chunk of WAV and AIFF).
//!
//! A raw key is a frame id ("TIT2", "TCON", "COMM"...), "TXXX:DESC", or any
//! other text, which is a TXXX description too ("MusicBrainz Album Type").
//! TXXX descriptions compare case-insensitively. `COMM` means the comment
//! with an empty description (iTunNORM and other described comments are left
//! alone). Dates (TDRC, TDRL) are always timestamp frames; see [`date_timestamp`].
//!
//! Lists are one frame with NUL-separated values, in v2.3 as well as v2.4:
//! lofty writes a frame's text as it is in both versions, NUL separators keep
//! a list a list on re-read (a "/" join could not be told from "AC/DC"), and
//! TagLib, mutagen and foobar2000 read them. v2.3-only readers (Windows
//! Explorer, old iTunes) show the first value. TCON is the exception: lofty
//! always writes a v2.3 genre list as "(Soundtrack)Film Score" (`create_items_v3`,
//! TCON branch, which also drops a TCON that is not a text frame), so other
//! frame types cannot route around it. [`Id3v2Tag::genres`] splits it back;
//! mutagen and most players show it as one genre.

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};

use lofty::TextEncoding;
use lofty::config::ParsingMode;
use lofty::id3::v2::{CommentFrame, ExtendedTextFrame, Frame, FrameId, Id3v2Tag, TextInformationFrame, TimestampFrame};
use lofty::tag::items::{Timestamp, UNKNOWN_LANGUAGE};

use super::RawTag;

/// Where a raw key lives in an ID3v2 tag.
enum Slot<'a> {
    Text(&'a str),
    User(&'a str),
    Comment,
    Lyrics,
    Genre,
    Date(&'a str),
}

fn slot(key: &str) -> Slot<'_> {
    if let Some(description) = key.strip_prefix("TXXX:") {
        return Slot::User(description);
    }
    let is_frame_id = key.len() == 4 && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    match key {
        _ if !is_frame_id => Slot::User(key),
        "COMM" => Slot::Comment,
        "USLT" => Slot::Lyrics,
        "TCON" => Slot::Genre,
        "TDRC" | "TDRL" | "TDOR" | "TDEN" | "TDTG" => Slot::Date(key),
        _ => Slot::Text(key),
    }
}

fn split(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('\0').map(str::to_owned)
}

fn is_user_text(frame: &Frame<'_>, description: &str) -> bool {
    matches!(frame, Frame::UserText(f) if f.description.eq_ignore_ascii_case(description))
}

fn is_plain_comment(frame: &Frame<'_>) -> bool {
    matches!(frame, Frame::Comment(f) if f.description.is_empty())
}

/// The timestamp a date value is, if it is exactly one (so it re-reads unchanged).
fn exact_timestamp(value: &str) -> Option<Timestamp> {
    let timestamp = Timestamp::parse(&mut value.as_bytes(), ParsingMode::Strict).ok()??;
    (timestamp.to_string() == value).then_some(timestamp)
}

/// The timestamp a date is stored as: the value itself when it is ISO 8601,
/// else lofty's lenient reading of it ("1977.05.25" → 1977-05-25), else its
/// leading year ("1977 (reissue)" → 1977). Never a text frame: lofty writes a text TDRC but then fails to parse
/// the whole tag (`TimestampFrame::parse` errors outside `ParsingMode::Relaxed`).
fn date_timestamp(value: &str) -> Option<Timestamp> {
    let value = value.trim();
    let lenient = || {
        let timestamp = Timestamp::parse(&mut value.as_bytes(), ParsingMode::BestAttempt).ok()??;
        exact_timestamp(&timestamp.to_string())
    };
    let year = || {
        let digits = value.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
        if value[4..].starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        Some(Timestamp { year: digits.parse().ok()?, ..Timestamp::default() })
    };
    exact_timestamp(value).or_else(lenient).or_else(year)
}

fn frame_id(id: &str) -> Option<FrameId<'static>> {
    let id = FrameId::new(id.to_owned()).ok();
    debug_assert!(id.is_some(), "field table has an invalid frame id");
    id
}

impl RawTag for Id3v2Tag {
    fn read(&self, key: &str) -> Vec<String> {
        match slot(key) {
            Slot::Text(id) => self
                .iter()
                .filter_map(|f| match f {
                    Frame::Text(f) if f.id().as_str() == id => Some(split(&f.value)),
                    _ => None,
                })
                .flatten()
                .collect(),
            Slot::User(description) => self
                .iter()
                .filter_map(|f| match f {
                    Frame::UserText(f) if f.description.eq_ignore_ascii_case(description) => Some(split(&f.content)),
                    _ => None,
                })
                .flatten()
                .collect(),
            Slot::Comment => self
                .iter()
                .filter_map(|f| match f {
                    Frame::Comment(f) if f.description.is_empty() => Some(f.content.to_string()),
                    _ => None,
                })
                .collect(),
            Slot::Lyrics => self
                .iter()
                .filter_map(|f| match f {
                    Frame::UnsynchronizedText(f) => Some(f.content.to_string()),
                    _ => None,
                })
                .collect(),
            Slot::Genre => {
                let mut genres: Vec<String> = self.genres().into_iter().flatten().map(str::to_owned).collect();
                // v2.3 "(17)Rock" is one genre refined by itself.
                genres.dedup();
                genres
            }
            Slot::Date(id) => self
                .iter()
                .filter(|f| f.id_str() == id)
                .flat_map(|f| match f {
                    Frame::Timestamp(f) => vec![f.timestamp.to_string()],
                    Frame::Text(f) => split(&f.value).collect(),
                    _ => Vec::new(),
                })
                .collect(),
        }
    }

    fn write(&mut self, key: &str, values: &[String]) {
        let joined = values.join("\0");
        match slot(key) {
            Slot::Text(id) => write_text(self, id, values),
            Slot::Genre => write_text(self, "TCON", values),
            Slot::User(description) => {
                self.retain(|f| !is_user_text(f, description));
                if !values.is_empty() {
                    let frame = ExtendedTextFrame::new(TextEncoding::UTF8, description.to_owned(), joined);
                    self.insert(Frame::UserText(frame));
                }
            }
            Slot::Comment => {
                let language = self
                    .iter()
                    .find_map(|f| match f {
                        Frame::Comment(f) if f.description.is_empty() => Some(f.language),
                        _ => None,
                    })
                    .unwrap_or(UNKNOWN_LANGUAGE);
                self.retain(|f| !is_plain_comment(f));
                if !values.is_empty() {
                    let frame = CommentFrame::new(TextEncoding::UTF8, language, Cow::Borrowed(""), joined);
                    self.insert(Frame::Comment(frame));
                }
            }
            Slot::Date(id) => {
                let Some(value) = values.first() else {
                    self.retain(|f| f.id_str() != id);
                    return;
                };
                // A date that is no timestamp at all is not written: the old one stays.
                let (Some(timestamp), Some(frame_id)) = (date_timestamp(value), frame_id(id)) else { return };
                self.retain(|f| f.id_str() != id);
                self.insert(Frame::Timestamp(TimestampFrame::new(frame_id, TextEncoding::UTF8, timestamp)));
            }
            Slot::Lyrics => debug_assert!(false, "lyrics are read-only"),
        }
    }
}

fn write_text(tag: &mut Id3v2Tag, id: &str, values: &[String]) {
    tag.retain(|f| f.id_str() != id);
    if let (false, Some(id)) = (values.is_empty(), frame_id(id)) {
        tag.insert(Frame::Text(TextInformationFrame::new(id, TextEncoding::UTF8, values.join("\0"))));
    }
}

/// lofty reads frame and tag flags it cannot write back: a frame read with a
/// data length indicator, compression or unsynchronisation is written with
/// the flag set but the content plain, and the file no longer parses
/// (lofty 0.25.5 `src/id3/v2/write/frame.rs`, `write_frame` writes
/// `FrameFlags::as_id3v24_bytes()` and only `write_encrypted` emits the
/// indicator). The content is held decoded, so the flags are simply cleared.
pub(super) fn clear_unwritable_flags(tag: &mut Id3v2Tag) {
    let mut tag_flags = *tag.flags();
    tag_flags.unsynchronisation = false;
    tag.set_flags(tag_flags);
    tag.retain_mut(|frame| {
        let mut flags = frame.flags();
        if flags.encryption.is_none() {
            flags.compression = false;
            flags.unsynchronisation = false;
            flags.data_length_indicator = None;
            frame.set_flags(flags);
        }
        true
    });
}

/// Frames lofty 0.25.5 silently drops when writing ID3v2.3
/// (`src/id3/v2/write/frame.rs`, `create_items_v3`: `FRAMES_TO_DISCARD`, and a
/// TDRC/TDOR that is not a valid timestamp frame), and outdated v2.2 frames it
/// drops in any version (`strip_outdated_frames`).
pub(super) fn write_losses(tag: &Id3v2Tag, v23: bool) -> Vec<String> {
    const V23_DISCARDED: [&str; 14] = [
        "ASPI", "EQU2", "RVA2", "SEEK", "SIGN", "TDEN", "TDRL", "TDTG", "TMOO", "TPRO", "TSOA", "TSOP", "TSOT", "TSST",
    ];
    let mut lost: Vec<String> = Vec::new();
    for frame in tag.iter() {
        let id = frame.id_str();
        let dropped = !frame.id().is_valid()
            || (v23 && V23_DISCARDED.contains(&id))
            || (v23 && matches!(id, "TDRC" | "TDOR") && !is_writable_v23_timestamp(frame));
        if dropped && !lost.iter().any(|l| l == id) {
            lost.push(id.to_owned());
        }
    }
    lost
}

fn is_writable_v23_timestamp(frame: &Frame<'_>) -> bool {
    match frame {
        Frame::Timestamp(f) => exact_timestamp(&f.timestamp.to_string()).is_some(),
        _ => false,
    }
}

/// WAV/AIFF: whether the existing ID3v2 chunk is named `id3 ` rather than `ID3 `.
pub(super) fn chunk_is_lowercase<R: Read + Seek>(reader: &mut R) -> std::io::Result<bool> {
    reader.rewind()?;
    let mut header = [0u8; 12];
    if reader.read_exact(&mut header).is_err() {
        return Ok(false);
    }
    let big_endian = &header[..4] == b"FORM";
    let mut chunk = [0u8; 8];
    while reader.read_exact(&mut chunk).is_ok() {
        match &chunk[..4] {
            b"id3 " => return Ok(true),
            b"ID3 " => return Ok(false),
            _ => {}
        }
        let size_bytes = [chunk[4], chunk[5], chunk[6], chunk[7]];
        let size = if big_endian { u32::from_be_bytes(size_bytes) } else { u32::from_le_bytes(size_bytes) };
        reader.seek(SeekFrom::Current(i64::from(size) + i64::from(size % 2)))?;
    }
    Ok(false)
}
