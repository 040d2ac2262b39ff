//! The track model: what reeltag knows about one audio file, whatever its format.

use std::path::PathBuf;

use serde::Serialize;

/// Tag values of one file, in the shape of the JSON-lines contract.
///
/// Missing values serialize as `null`; empty lists too, so a consumer checks
/// one thing (`null`) for "not tagged".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tags {
    pub title: Option<String>,
    #[serde(serialize_with = "list_or_null")]
    pub artist: Vec<String>,
    pub album: Option<String>,
    pub albumartist: Option<String>,
    #[serde(serialize_with = "list_or_null")]
    pub composer: Vec<String>,
    #[serde(serialize_with = "list_or_null")]
    pub genre: Vec<String>,
    pub track: Option<u32>,
    pub track_total: Option<u32>,
    pub disc: Option<u32>,
    pub disc_total: Option<u32>,
    pub date: Option<String>,
    pub grouping: Option<String>,
    pub comment: Option<String>,
    #[serde(serialize_with = "list_or_null")]
    pub releasetype: Vec<String>,
    pub compilation: Option<bool>,
    /// Whether lyrics are present; the text itself is never carried.
    pub lyrics: bool,
}

fn list_or_null<S: serde::Serializer>(list: &[String], s: S) -> Result<S::Ok, S::Error> {
    if list.is_empty() { s.serialize_none() } else { s.collect_seq(list) }
}

/// One audio file that was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Track {
    pub path: PathBuf,
    /// Container format as detected from the content ("flac", "mp3", ...).
    pub format: &'static str,
    /// Tag types present in the file, primary first ("id3v2", "vorbis", ...).
    pub tag_types: Vec<&'static str>,
    /// The major version of an ID3v2 tag at the start of the file (3 or 4), for `stats`.
    pub id3v2_version: Option<u8>,
    pub tags: Tags,
}
