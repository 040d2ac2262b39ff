//! Every field reeltag reports round-trips: tags written with lofty into a
//! temp copy of each format fixture come back in `scan --format jsonl`.

use std::path::Path;

use lofty::config::WriteOptions;
use lofty::prelude::*;
use lofty::tag::{ItemValue, Tag, TagItem, TagType};
use serde_json::{Value, json};

use crate::util::{copy_fixture, scan_jsonl, temp};

/// The values a test writes. Lists are written as one item per value, which
/// lofty stores NUL-separated in ID3v2.4, as repeated fields in Vorbis
/// comments, and as several data atoms / items in MP4 and APE.
#[derive(Debug, Clone)]
struct Values {
    title: Option<&'static str>,
    artist: Vec<&'static str>,
    album: Option<&'static str>,
    albumartist: Option<&'static str>,
    composer: Vec<&'static str>,
    genre: Vec<&'static str>,
    track: Option<u32>,
    track_total: Option<u32>,
    disc: Option<u32>,
    disc_total: Option<u32>,
    date: Option<&'static str>,
    grouping: Option<&'static str>,
    comment: Option<&'static str>,
    compilation: Option<bool>,
    releasetype: Vec<&'static str>,
    lyrics: Option<&'static str>,
}

fn full() -> Values {
    Values {
        title: Some("Round Trip Title"),
        artist: vec!["Artist One", "Artist Two"],
        album: Some("Round Trip Album"),
        albumartist: Some("Round Trip Album Artist"),
        composer: vec!["Composer One", "Composer Two"],
        genre: vec!["Soundtrack"],
        track: Some(3),
        track_total: Some(12),
        disc: Some(1),
        disc_total: Some(2),
        date: Some("2014-07-29"),
        grouping: Some("Round Trip Grouping"),
        comment: Some("Round trip comment"),
        compilation: Some(true),
        releasetype: vec!["album", "soundtrack"],
        lyrics: Some("La la la"),
    }
}

impl Values {
    /// The "tags" object reeltag should print for these values.
    fn expected_json(&self) -> Value {
        let list = |v: &Vec<&str>| if v.is_empty() { Value::Null } else { json!(v) };
        json!({
            "title": self.title,
            "artist": list(&self.artist),
            "album": self.album,
            "albumartist": self.albumartist,
            "composer": list(&self.composer),
            "genre": list(&self.genre),
            "track": self.track,
            "track_total": self.track_total,
            "disc": self.disc,
            "disc_total": self.disc_total,
            "date": self.date,
            "grouping": self.grouping,
            "comment": self.comment,
            "releasetype": list(&self.releasetype),
            "compilation": self.compilation,
            "lyrics": self.lyrics.is_some(),
        })
    }

    /// A generic lofty tag holding these values. With `join_lists`, a list
    /// is one NUL-separated item (APEv2's multi-value form: lofty's APE
    /// conversion keeps only the last of several items with one key).
    fn to_tag(&self, tag_type: TagType, join_lists: bool) -> Tag {
        let mut tag = Tag::new(tag_type);
        let mut push = |key: ItemKey, value: String| {
            // ID3v2 keeps lyrics in USLT, which lofty names UnsyncLyrics.
            let fallback = if key == ItemKey::Lyrics { ItemKey::UnsyncLyrics } else { key };
            let pushed = tag.push(TagItem::new(key, ItemValue::Text(value.clone())))
                || tag.push(TagItem::new(fallback, ItemValue::Text(value)));
            assert!(pushed, "{tag_type:?} cannot hold {key:?}");
        };
        let text = |v: Option<&str>| v.map(str::to_string);
        let number = |v: Option<u32>| v.map(|n| n.to_string());
        let singles = [
            (ItemKey::TrackTitle, text(self.title)),
            (ItemKey::AlbumTitle, text(self.album)),
            (ItemKey::AlbumArtist, text(self.albumartist)),
            (ItemKey::TrackNumber, number(self.track)),
            (ItemKey::TrackTotal, number(self.track_total)),
            (ItemKey::DiscNumber, number(self.disc)),
            (ItemKey::DiscTotal, number(self.disc_total)),
            (ItemKey::RecordingDate, text(self.date)),
            (ItemKey::ContentGroup, text(self.grouping)),
            (ItemKey::Comment, text(self.comment)),
            (ItemKey::FlagCompilation, self.compilation.map(|c| if c { "1" } else { "0" }.to_string())),
            (ItemKey::Lyrics, text(self.lyrics)),
        ];
        for (key, value) in singles {
            if let Some(value) = value {
                push(key, value);
            }
        }
        let lists = [
            (ItemKey::TrackArtist, &self.artist),
            (ItemKey::Composer, &self.composer),
            (ItemKey::Genre, &self.genre),
            (ItemKey::MusicBrainzReleaseType, &self.releasetype),
        ];
        for (key, values) in lists {
            if join_lists && !values.is_empty() {
                push(key, values.join("\0"));
            } else {
                for value in values {
                    push(key, value.to_string());
                }
            }
        }
        tag
    }
}

/// One format to round-trip.
struct Case {
    /// The fixture in fixtures/formats to copy.
    fixture: &'static str,
    /// What the copy is called (several cases share a fixture).
    name: &'static str,
    tag_type: TagType,
    id3v23: bool,
    /// Write each list as one NUL-separated item (APEv2).
    join_lists: bool,
    /// What this tag format can store of [`full`].
    values: fn() -> Values,
    /// Byte strings the written file must contain (checks the multi-value
    /// encoding really is on disk, not just what reeltag makes of it).
    raw: &'static [&'static [u8]],
}

/// ID3v1 has fixed slots: title, artist, album, year, comment, track, one
/// genre from its numbered list. No album artist, composer, totals, disc,
/// grouping, compilation, release type or lyrics; one artist; year only.
fn id3v1_values() -> Values {
    Values {
        artist: vec!["Artist One"],
        albumartist: None,
        composer: vec![],
        track_total: None,
        disc: None,
        disc_total: None,
        date: Some("2014"),
        grouping: None,
        compilation: None,
        releasetype: vec![],
        lyrics: None,
        ..full()
    }
}

/// RIFF INFO (lofty's map): INAM, IART, IPRD, IMUS, IGNR, IPRT, IFRM, ICRD,
/// ICMT. No album artist, disc, grouping, compilation, release type or
/// lyrics, and one value per chunk.
fn riff_info_values() -> Values {
    Values {
        artist: vec!["Artist One"],
        albumartist: None,
        composer: vec!["Composer One"],
        disc: None,
        disc_total: None,
        grouping: None,
        compilation: None,
        releasetype: vec![],
        lyrics: None,
        ..full()
    }
}

/// AIFF text chunks: NAME (title), AUTH (one artist), ANNO/COMT (comment);
/// nothing else.
fn aiff_text_values() -> Values {
    Values {
        title: full().title,
        artist: vec!["Artist One"],
        comment: full().comment,
        album: None,
        albumartist: None,
        composer: vec![],
        genre: vec![],
        track: None,
        track_total: None,
        disc: None,
        disc_total: None,
        date: None,
        grouping: None,
        compilation: None,
        releasetype: vec![],
        lyrics: None,
    }
}

const ID3V24_MULTI: &[&[u8]] =
    &[b"ID3\x04\0", b"Artist One\0Artist Two", b"Composer One\0Composer Two", b"album\0soundtrack"];
const VORBIS_MULTI: &[&[u8]] = &[
    b"ARTIST=Artist One",
    b"ARTIST=Artist Two",
    b"COMPOSER=Composer One",
    b"COMPOSER=Composer Two",
    b"RELEASETYPE=album",
    b"RELEASETYPE=soundtrack",
];

const CASES: &[Case] = &[
    Case {
        fixture: "id3v24.mp3",
        name: "id3v24.mp3",
        tag_type: TagType::Id3v2,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: ID3V24_MULTI,
    },
    // lofty writes lists NUL-separated in ID3v2.3 too (mutagen would use "/").
    Case {
        fixture: "id3v23.mp3",
        name: "id3v23.mp3",
        tag_type: TagType::Id3v2,
        id3v23: true,
        join_lists: false,
        values: full,
        raw: &[b"ID3\x03\0"],
    },
    Case {
        fixture: "id3v1.mp3",
        name: "id3v1.mp3",
        tag_type: TagType::Id3v1,
        id3v23: false,
        join_lists: false,
        values: id3v1_values,
        raw: &[b"TAG"],
    },
    Case {
        fixture: "sample.flac",
        name: "sample.flac",
        tag_type: TagType::VorbisComments,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: VORBIS_MULTI,
    },
    Case {
        fixture: "sample.ogg",
        name: "sample.ogg",
        tag_type: TagType::VorbisComments,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: VORBIS_MULTI,
    },
    Case {
        fixture: "sample.opus",
        name: "sample.opus",
        tag_type: TagType::VorbisComments,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: VORBIS_MULTI,
    },
    Case {
        fixture: "sample.m4a",
        name: "sample.m4a",
        tag_type: TagType::Mp4Ilst,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: &[b"MusicBrainz Album Type"],
    },
    Case {
        fixture: "sample-m4a-moov-after.m4a",
        name: "sample-m4a-moov-after.m4a",
        tag_type: TagType::Mp4Ilst,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: &[b"MusicBrainz Album Type"],
    },
    Case {
        fixture: "sample.wav",
        name: "wav-id3v2.wav",
        tag_type: TagType::Id3v2,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: ID3V24_MULTI,
    },
    Case {
        fixture: "sample.wav",
        name: "wav-riff-info.wav",
        tag_type: TagType::RiffInfo,
        id3v23: false,
        join_lists: false,
        values: riff_info_values,
        raw: &[b"INFO", b"IART"],
    },
    Case {
        fixture: "sample.aiff",
        name: "aiff-id3v2.aiff",
        tag_type: TagType::Id3v2,
        id3v23: false,
        join_lists: false,
        values: full,
        raw: ID3V24_MULTI,
    },
    Case {
        fixture: "sample.aiff",
        name: "aiff-text.aiff",
        tag_type: TagType::AiffText,
        id3v23: false,
        join_lists: false,
        values: aiff_text_values,
        raw: &[b"NAME", b"AUTH"],
    },
    Case {
        fixture: "sample.wv",
        name: "sample.wv",
        tag_type: TagType::Ape,
        id3v23: false,
        join_lists: true,
        values: full,
        raw: &[b"APETAGEX", b"Artist One\0Artist Two", b"album\0soundtrack"],
    },
];

/// Removes every tag the copy has, then writes `values` as `tag_type`.
fn write(path: &Path, case: &Case, values: &Values) {
    let tagged = lofty::read_from_path(path).unwrap_or_else(|e| panic!("{}: read: {e}", case.name));
    for tag in tagged.tags() {
        tag.tag_type()
            .remove_from_path(path, WriteOptions::default())
            .unwrap_or_else(|e| panic!("{}: remove {:?}: {e}", case.name, tag.tag_type()));
    }
    let options = WriteOptions::default().use_id3v23(case.id3v23);
    values
        .to_tag(case.tag_type, case.join_lists)
        .save_to_path(path, options)
        .unwrap_or_else(|e| panic!("{}: write: {e}", case.name));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn every_field_round_trips_in_every_writable_format() {
    let dir = temp();
    for case in CASES {
        let path = copy_fixture(&format!("formats/{}", case.fixture), dir.path(), case.name);
        write(&path, case, &(case.values)());
        let bytes = std::fs::read(&path).expect("read the written copy");
        for needle in case.raw {
            assert!(contains(&bytes, needle), "{}: the file lacks {:?}", case.name, String::from_utf8_lossy(needle));
        }
    }

    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    let records = run.by_path(dir.path());
    let mut failures = Vec::new();
    for case in CASES {
        let Some(record) = records.get(case.name) else {
            failures.push(format!("{}: no record", case.name));
            continue;
        };
        let expected = (case.values)().expected_json();
        let got = &record["tags"];
        for (field, want) in expected.as_object().expect("an object") {
            if &got[field] != want {
                failures.push(format!("{}: {field}: expected {want}, got {}", case.name, got[field]));
            }
        }
        // Nothing beyond the contract's fields.
        let got_fields: Vec<&String> = got.as_object().map(|o| o.keys().collect()).unwrap_or_default();
        let want_fields: Vec<&String> = expected.as_object().expect("an object").keys().collect();
        if got_fields != want_fields {
            failures.push(format!("{}: tags fields {got_fields:?}, expected {want_fields:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "round-trip mismatches:\n  {}\n{run}", failures.join("\n  "));
}
