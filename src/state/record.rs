//! What the store keeps of a read: the scan's [`Record`] (a track, an error
//! or "not audio") and a cached [`CachedDecision`], in postcard's compact
//! binary form.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::classify::{Decision, Reason, Role};
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

    /// A track's record, encoded straight from the track: postcard writes the
    /// borrowed [`TrackRecord`] exactly as it writes [`Record::Track`], so no
    /// copy of the tags is built first.
    pub fn encode_track(track: &Track) -> Vec<u8> {
        let record: RecordRef<'_> = RecordRef::Track {
            format: track.format,
            tag_types: &track.tag_types,
            id3v2_version: track.id3v2_version,
            tags: StoredTagsRef::of(&track.tags),
        };
        postcard::to_extend(&record, Vec::with_capacity(RECORD_CAPACITY)).expect("records encode")
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

/// [`Record`] borrowed from a track; variants and fields in the same order,
/// so both encode to the same bytes (a test holds them together).
#[derive(Serialize)]
enum RecordRef<'a> {
    Track { format: &'a str, tag_types: &'a [&'static str], id3v2_version: Option<u8>, tags: StoredTagsRef<'a> },
}

/// [`StoredTags`] borrowed from [`Tags`], field for field.
#[derive(Serialize)]
struct StoredTagsRef<'a> {
    title: &'a Option<String>,
    artist: &'a [String],
    album: &'a Option<String>,
    albumartist: &'a Option<String>,
    composer: &'a [String],
    genre: &'a [String],
    track: Option<u32>,
    track_total: Option<u32>,
    disc: Option<u32>,
    disc_total: Option<u32>,
    date: &'a Option<String>,
    grouping: &'a Option<String>,
    comment: &'a Option<String>,
    releasetype: &'a [String],
    compilation: Option<bool>,
    lyrics: bool,
}

impl<'a> StoredTagsRef<'a> {
    fn of(t: &'a Tags) -> StoredTagsRef<'a> {
        StoredTagsRef {
            title: &t.title,
            artist: &t.artist,
            album: &t.album,
            albumartist: &t.albumartist,
            composer: &t.composer,
            genre: &t.genre,
            track: t.track,
            track_total: t.track_total,
            disc: t.disc,
            disc_total: t.disc_total,
            date: &t.date,
            grouping: &t.grouping,
            comment: &t.comment,
            releasetype: &t.releasetype,
            compilation: t.compilation,
            lyrics: t.lyrics,
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

    /// A decision's cached form, encoded straight from the decision (the
    /// bytes a [`CachedDecision`] of its role, confidence, rule and reasons'
    /// texts encodes to, without building the strings).
    pub fn encode_decision(decision: &Decision) -> Vec<u8> {
        let items = if decision.rule.is_some() { Vec::new() } else { decision.reason_items() };
        let cached = CachedDecisionRef {
            role: decision.role,
            confidence: decision.confidence,
            rule: decision.rule.as_deref(),
            reasons: ReasonTexts(&items),
        };
        postcard::to_extend(&cached, Vec::with_capacity(RECORD_CAPACITY)).expect("decisions encode")
    }

    pub fn restore(self) -> Decision {
        Decision::from_reasons(self.role, self.confidence, self.rule, self.reasons)
    }
}

/// [`CachedDecision`] borrowed from a [`Decision`], field for field.
#[derive(Serialize)]
struct CachedDecisionRef<'a> {
    role: Role,
    confidence: f64,
    rule: Option<&'a str>,
    reasons: ReasonTexts<'a>,
}

/// Reasons written as the list of their texts.
struct ReasonTexts<'a>(&'a [Reason<'a>]);

impl Serialize for ReasonTexts<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|reason| reason.text()))
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::rules::Rules;

    fn full_track() -> Track {
        let odd = "Zoë \"quoted\" \\ \u{1} “x”";
        Track {
            path: PathBuf::from("/music/a/01.mp3"),
            format: "mp3",
            tag_types: vec!["id3v2", "id3v1", "ape"],
            id3v2_version: Some(4),
            tags: Tags {
                title: Some(odd.into()),
                artist: vec!["A".into(), odd.into()],
                album: Some("Star Wars (Original Motion Picture Soundtrack)".into()),
                albumartist: Some("John Williams".into()),
                composer: vec!["John Williams".into()],
                genre: vec!["Soundtrack".into(), "Score".into()],
                track: Some(3),
                track_total: Some(u32::MAX),
                disc: Some(1),
                disc_total: Some(2),
                date: Some("1977-05-25".into()),
                grouping: Some("score".into()),
                comment: Some(String::new()),
                releasetype: vec!["album".into(), "soundtrack".into()],
                compilation: Some(false),
                lyrics: true,
            },
        }
    }

    /// The borrowed encoder must write what the owned `Record` reads back,
    /// or every re-run would find its records unreadable and read again.
    #[test]
    fn a_track_encoded_from_borrows_restores_to_the_same_track() {
        for track in [full_track(), Track { tags: Tags::default(), tag_types: vec![], ..full_track() }] {
            let record = Record::decode(&Record::encode_track(&track)).expect("decodes");
            let Restored::Track(restored) = record.restore(&track.path) else { panic!("not a track") };
            assert_eq!(*restored, track);
        }
    }

    #[test]
    fn a_decision_encoded_from_borrows_keeps_role_confidence_and_reasons() {
        let track = full_track();
        let decisions = crate::classify::classify(&[&track], &Rules::default());
        let cached = CachedDecision::decode(&CachedDecision::encode_decision(&decisions[0])).expect("decodes");
        assert_eq!(cached.role, decisions[0].role);
        assert_eq!(cached.confidence, decisions[0].confidence);
        assert_eq!(cached.rule, None);
        assert!(!cached.reasons.is_empty());
        assert_eq!(cached.reasons, decisions[0].reasons());
        assert_eq!(
            cached.restore(),
            Decision::from_reasons(decisions[0].role, decisions[0].confidence, None, decisions[0].reasons())
        );
    }

    #[test]
    fn a_rule_decision_is_stored_without_reasons_and_a_bare_none_with_its_one() {
        let ruled = Decision::from_reasons(Role::Song, 1.0, Some("rule 1 (album)".into()), vec!["ignored".into()]);
        let cached = CachedDecision::decode(&CachedDecision::encode_decision(&ruled)).expect("decodes");
        assert_eq!((cached.rule.as_deref(), cached.reasons.len()), (Some("rule 1 (album)"), 0));
        assert_eq!(cached.restore().reasons(), vec!["user rule 1 (album)".to_string()]);

        let bare = Decision::from_reasons(Role::None, 0.73, None, Vec::new());
        let cached = CachedDecision::decode(&CachedDecision::encode_decision(&bare)).expect("decodes");
        assert_eq!(cached.reasons, bare.reasons());
        assert!(cached.reasons[0].starts_with("no soundtrack evidence"), "{:?}", cached.reasons);
    }
}
