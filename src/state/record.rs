//! What the store keeps of a read: the scan's [`Record`] (a track, an error
//! or "not audio") and a cached [`CachedDecision`], in postcard's compact
//! binary form.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::classify::{Decision, Role};
use crate::error::{FileError, Stage};
use crate::track::{Tags, Track};

/// Bytes reserved for an encoded record or decision: most of either fit.
const RECORD_CAPACITY: usize = 512;

/// What a read gave, in a form that survives the store.
/// Stored in postcard's compact binary form: a re-run decodes every
/// unchanged file's record, and JSON cost it a fifth of its time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Record {
    Track { format: String, tag_types: Vec<String>, id3v2_version: Option<u8>, tags: Box<StoredTags> },
    Failed { message: String, hint: Option<String> },
    NotAudio,
}

impl Record {
    pub fn encode(&self) -> Vec<u8> {
        // Sized up front: growing from empty copied each record about six times.
        postcard::to_extend(self, Vec::with_capacity(RECORD_CAPACITY)).expect("records encode")
    }

    /// `None` for bytes this version did not write.
    pub fn decode(bytes: &[u8]) -> Option<Record> {
        postcard::from_bytes(bytes).ok()
    }

    pub fn of_track(track: &Track) -> Record {
        Record::Track {
            format: track.format.to_owned(),
            tag_types: track.tag_types.iter().map(|t| (*t).to_owned()).collect(),
            id3v2_version: track.id3v2_version,
            tags: Box::new(StoredTags::of(&track.tags)),
        }
    }

    pub fn of_error(err: &FileError) -> Record {
        Record::Failed { message: err.message.clone(), hint: err.hint.map(str::to_owned) }
    }

    /// The track or error this record stands for, at `path`.
    pub fn restore(self, path: &Path) -> Restored {
        match self {
            Record::Track { format, tag_types, id3v2_version, tags } => Restored::Track(Box::new(Track {
                id3v2_version,
                path: path.to_path_buf(),
                format: intern(&format, FORMATS),
                tag_types: tag_types.iter().map(|t| intern(t, TAG_TYPES)).collect(),
                tags: tags.into_tags(),
            })),
            Record::Failed { message, hint } => {
                let known = hint.as_deref().and_then(crate::error::known_hint);
                let message = match (&hint, known) {
                    (Some(hint), None) => format!("{message} ({hint})"),
                    _ => message,
                };
                Restored::Failed(FileError::with_message(path, Stage::Read, message, known))
            }
            Record::NotAudio => Restored::NotAudio,
        }
    }
}

/// [`Tags`] as stored (postcard is positional: a change of fields needs a new
/// `SCHEMA_VERSION`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredTags {
    title: Option<String>,
    artist: Vec<String>,
    album: Option<String>,
    albumartist: Option<String>,
    composer: Vec<String>,
    genre: Vec<String>,
    track: Option<u32>,
    track_total: Option<u32>,
    disc: Option<u32>,
    disc_total: Option<u32>,
    date: Option<String>,
    grouping: Option<String>,
    comment: Option<String>,
    releasetype: Vec<String>,
    compilation: Option<bool>,
    lyrics: bool,
}

impl StoredTags {
    fn of(tags: &Tags) -> StoredTags {
        let t = tags.clone();
        StoredTags {
            title: t.title,
            artist: t.artist,
            album: t.album,
            albumartist: t.albumartist,
            composer: t.composer,
            genre: t.genre,
            track: t.track,
            track_total: t.track_total,
            disc: t.disc,
            disc_total: t.disc_total,
            date: t.date,
            grouping: t.grouping,
            comment: t.comment,
            releasetype: t.releasetype,
            compilation: t.compilation,
            lyrics: t.lyrics,
        }
    }

    fn into_tags(self) -> Tags {
        Tags {
            title: self.title,
            artist: self.artist,
            album: self.album,
            albumartist: self.albumartist,
            composer: self.composer,
            genre: self.genre,
            track: self.track,
            track_total: self.track_total,
            disc: self.disc,
            disc_total: self.disc_total,
            date: self.date,
            grouping: self.grouping,
            comment: self.comment,
            releasetype: self.releasetype,
            compilation: self.compilation,
            lyrics: self.lyrics,
        }
    }
}

/// A record turned back into what the pipeline works with.
pub enum Restored {
    Track(Box<Track>),
    Failed(FileError),
    NotAudio,
}

/// A decision as the reports print it: role, confidence and the reasons' text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedDecision {
    pub role: Role,
    pub confidence: f64,
    pub rule: Option<String>,
    pub reasons: Vec<String>,
}

impl CachedDecision {
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_extend(self, Vec::with_capacity(RECORD_CAPACITY)).expect("decisions encode")
    }

    pub fn decode(bytes: &[u8]) -> Option<CachedDecision> {
        postcard::from_bytes(bytes).ok()
    }

    pub fn of(decision: &Decision) -> CachedDecision {
        CachedDecision {
            role: decision.role,
            confidence: decision.confidence,
            rule: decision.rule.clone(),
            reasons: if decision.rule.is_some() { Vec::new() } else { decision.reasons() },
        }
    }

    pub fn restore(self) -> Decision {
        Decision::from_reasons(self.role, self.confidence, self.rule, self.reasons)
    }
}

/// The names `read::format_name` and `read::tag_type_name` give, so a stored
/// name maps back to the same `&'static str` a fresh read would carry.
const FORMATS: &[&str] =
    &["aac", "aiff", "ape", "flac", "mp3", "mp4", "mpc", "opus", "vorbis", "speex", "wav", "wavpack"];
const TAG_TYPES: &[&str] = &["ape", "id3v1", "id3v2", "mp4", "vorbis", "riff_info", "aiff_text"];

/// The `&'static` format name for a stored one.
pub fn intern_format(name: &str) -> &'static str {
    intern(name, FORMATS)
}

fn intern(name: &str, known: &[&'static str]) -> &'static str {
    known.iter().find(|k| **k == name).copied().unwrap_or("other")
}
