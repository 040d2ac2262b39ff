//! The one table that maps each reeltag field to its keys in every tag format.
//!
//! Reading, the CSV columns, `--help` and (later) writing all iterate [`FIELDS`];
//! nothing else in reeltag names a tag key. Each row lists lofty's generic
//! [`ItemKey`]s in read priority (the first key with a value wins) and the raw
//! key each format stores, first the one reeltag writes, then aliases it reads.
//! A unit test checks the raw keys against lofty's own mapping, so the table
//! documents what really happens rather than what we hope happens.

use lofty::tag::{ItemKey, TagType};

/// A field of reeltag's track model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Field {
    Title,
    Artist,
    Album,
    AlbumArtist,
    Composer,
    Genre,
    Track,
    TrackTotal,
    Disc,
    DiscTotal,
    Date,
    Grouping,
    Comment,
    Compilation,
    ReleaseType,
    Lyrics,
    /// reeltag's own machine-readable role field (score or song).
    SoundtrackRole,
}

/// How a field's value is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One string.
    Text,
    /// Several strings (ID3v2.4 NUL-separated values, repeated Vorbis fields...).
    List,
    /// A positive whole number.
    Number,
    /// A yes/no flag.
    Flag,
    /// Only whether a value is present (lyrics: reeltag never prints them).
    Presence,
}

/// Raw keys of one field in each tag format: first written, all read.
#[derive(Debug, Clone, Copy)]
pub struct RawKeys {
    pub id3v2: &'static [&'static str],
    pub vorbis: &'static [&'static str],
    pub mp4: &'static [&'static str],
    pub ape: &'static [&'static str],
    pub riff_info: &'static [&'static str],
    pub aiff_text: &'static [&'static str],
}

impl RawKeys {
    /// The raw keys for one lofty tag type (ID3v1 has fixed slots, no keys).
    pub fn for_tag_type(&self, tag_type: TagType) -> &'static [&'static str] {
        match tag_type {
            TagType::Id3v2 => self.id3v2,
            TagType::VorbisComments => self.vorbis,
            TagType::Mp4Ilst => self.mp4,
            TagType::Ape => self.ape,
            TagType::RiffInfo => self.riff_info,
            TagType::AiffText => self.aiff_text,
            _ => &[],
        }
    }
}

/// One row of the field table.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub field: Field,
    /// The name used in JSON, CSV and messages.
    pub name: &'static str,
    pub kind: Kind,
    /// lofty's generic keys, in read priority.
    pub item_keys: &'static [ItemKey],
    pub raw: RawKeys,
    /// One line for `--help` and the README.
    pub about: &'static str,
}

const NONE: &[&str] = &[];

macro_rules! raw {
    (id3v2: $i:expr, vorbis: $v:expr, mp4: $m:expr, ape: $a:expr, riff: $r:expr, aiff: $f:expr) => {
        RawKeys { id3v2: $i, vorbis: $v, mp4: $m, ape: $a, riff_info: $r, aiff_text: $f }
    };
}

/// Every field reeltag reads, in output order.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        field: Field::Title,
        name: "title",
        kind: Kind::Text,
        item_keys: &[ItemKey::TrackTitle],
        raw: raw!(id3v2: &["TIT2"], vorbis: &["TITLE"], mp4: &["\u{a9}nam"], ape: &["Title"], riff: &["INAM"], aiff: &["NAME"]),
        about: "track title",
    },
    FieldSpec {
        field: Field::Artist,
        name: "artist",
        kind: Kind::List,
        item_keys: &[ItemKey::TrackArtist, ItemKey::TrackArtists],
        raw: raw!(id3v2: &["TPE1"], vorbis: &["ARTIST", "ARTISTS"], mp4: &["\u{a9}ART"], ape: &["Artist"], riff: &["IART"], aiff: &["AUTH"]),
        about: "track artists (performers)",
    },
    FieldSpec {
        field: Field::Album,
        name: "album",
        kind: Kind::Text,
        item_keys: &[ItemKey::AlbumTitle],
        raw: raw!(id3v2: &["TALB"], vorbis: &["ALBUM"], mp4: &["\u{a9}alb"], ape: &["Album"], riff: &["IPRD"], aiff: NONE),
        about: "album title",
    },
    FieldSpec {
        field: Field::AlbumArtist,
        name: "albumartist",
        kind: Kind::Text,
        item_keys: &[ItemKey::AlbumArtist],
        raw: raw!(id3v2: &["TPE2"], vorbis: &["ALBUMARTIST", "ALBUM ARTIST"], mp4: &["aART"], ape: &["Album Artist", "ALBUMARTIST"], riff: NONE, aiff: NONE),
        about: "album artist",
    },
    FieldSpec {
        field: Field::Composer,
        name: "composer",
        kind: Kind::List,
        item_keys: &[ItemKey::Composer],
        raw: raw!(id3v2: &["TCOM"], vorbis: &["COMPOSER"], mp4: &["\u{a9}wrt"], ape: &["Composer"], riff: &["IMUS"], aiff: NONE),
        about: "composers",
    },
    FieldSpec {
        field: Field::Genre,
        name: "genre",
        kind: Kind::List,
        item_keys: &[ItemKey::Genre],
        raw: raw!(id3v2: &["TCON"], vorbis: &["GENRE"], mp4: &["\u{a9}gen"], ape: &["Genre"], riff: &["IGNR"], aiff: NONE),
        about: "genres",
    },
    FieldSpec {
        field: Field::Track,
        name: "track",
        kind: Kind::Number,
        item_keys: &[ItemKey::TrackNumber],
        raw: raw!(id3v2: &["TRCK"], vorbis: &["TRACKNUMBER"], mp4: &["trkn"], ape: &["Track"], riff: &["IPRT", "ITRK"], aiff: NONE),
        about: "track number",
    },
    FieldSpec {
        field: Field::TrackTotal,
        name: "track_total",
        kind: Kind::Number,
        item_keys: &[ItemKey::TrackTotal],
        raw: raw!(id3v2: &["TRCK"], vorbis: &["TRACKTOTAL", "TOTALTRACKS"], mp4: &["trkn"], ape: &["Track"], riff: &["IFRM"], aiff: NONE),
        about: "number of tracks on the disc",
    },
    FieldSpec {
        field: Field::Disc,
        name: "disc",
        kind: Kind::Number,
        item_keys: &[ItemKey::DiscNumber],
        raw: raw!(id3v2: &["TPOS"], vorbis: &["DISCNUMBER"], mp4: &["disk"], ape: &["Disc"], riff: NONE, aiff: NONE),
        about: "disc number",
    },
    FieldSpec {
        field: Field::DiscTotal,
        name: "disc_total",
        kind: Kind::Number,
        item_keys: &[ItemKey::DiscTotal],
        raw: raw!(id3v2: &["TPOS"], vorbis: &["DISCTOTAL", "TOTALDISCS"], mp4: &["disk"], ape: &["Disc"], riff: NONE, aiff: NONE),
        about: "number of discs in the release",
    },
    FieldSpec {
        field: Field::Date,
        name: "date",
        kind: Kind::Text,
        item_keys: &[ItemKey::RecordingDate, ItemKey::Year, ItemKey::ReleaseDate],
        raw: raw!(id3v2: &["TDRC", "TDRL"], vorbis: &["DATE", "YEAR"], mp4: &["\u{a9}day"], ape: &["Year"], riff: &["ICRD"], aiff: NONE),
        about: "recording or release date, as tagged",
    },
    FieldSpec {
        field: Field::Grouping,
        name: "grouping",
        kind: Kind::Text,
        // ID3v2 has two: TIT1 (the standard) and GRP1 (what iTunes reads).
        item_keys: &[ItemKey::ContentGroup, ItemKey::AppleId3v2ContentGroup],
        raw: raw!(id3v2: &["TIT1", "GRP1"], vorbis: &["GROUPING"], mp4: &["\u{a9}grp"], ape: &["Grouping"], riff: NONE, aiff: NONE),
        about: "grouping (content group)",
    },
    FieldSpec {
        field: Field::Comment,
        name: "comment",
        kind: Kind::Text,
        item_keys: &[ItemKey::Comment],
        raw: raw!(id3v2: &["COMM"], vorbis: &["COMMENT", "DESCRIPTION"], mp4: &["\u{a9}cmt"], ape: &["Comment"], riff: &["ICMT"], aiff: &["COMT"]),
        about: "comment",
    },
    FieldSpec {
        field: Field::Compilation,
        name: "compilation",
        kind: Kind::Flag,
        item_keys: &[ItemKey::FlagCompilation],
        raw: raw!(id3v2: &["TCMP"], vorbis: &["COMPILATION"], mp4: &["cpil"], ape: &["Compilation"], riff: NONE, aiff: NONE),
        about: "compilation flag (various artists)",
    },
    FieldSpec {
        field: Field::ReleaseType,
        name: "releasetype",
        kind: Kind::List,
        item_keys: &[ItemKey::MusicBrainzReleaseType],
        raw: raw!(
            id3v2: &["MusicBrainz Album Type"],
            vorbis: &["RELEASETYPE"],
            mp4: &["----:com.apple.iTunes:MusicBrainz Album Type"],
            ape: &["MUSICBRAINZ_ALBUMTYPE"],
            riff: NONE,
            aiff: NONE
        ),
        about: "MusicBrainz release types (album, soundtrack, compilation...)",
    },
    FieldSpec {
        field: Field::Lyrics,
        name: "lyrics",
        kind: Kind::Presence,
        item_keys: &[ItemKey::Lyrics, ItemKey::UnsyncLyrics],
        raw: raw!(id3v2: &["USLT"], vorbis: &["LYRICS"], mp4: &["\u{a9}lyr"], ape: &["Lyrics"], riff: NONE, aiff: NONE),
        about: "whether the track has lyrics (the text is not printed)",
    },
    FieldSpec {
        field: Field::SoundtrackRole,
        name: "soundtrack_role",
        kind: Kind::Text,
        // No generic lofty key exists for it: it lives in each format's
        // user-defined slot and is read and written through the native tags.
        item_keys: &[],
        raw: raw!(
            id3v2: &["TXXX:SOUNDTRACK_ROLE"],
            vorbis: &["SOUNDTRACK_ROLE"],
            mp4: &["----:com.apple.iTunes:SOUNDTRACK_ROLE"],
            ape: &["SOUNDTRACK_ROLE"],
            riff: NONE,
            aiff: NONE
        ),
        about: "reeltag's role field: score or song (written by `reeltag tag`)",
    },
];

/// The fields a scan reads through lofty's generic tags (all but reeltag's own).
pub fn scanned() -> impl Iterator<Item = &'static FieldSpec> {
    FIELDS.iter().filter(|s| !s.item_keys.is_empty())
}

/// The table row of a field.
pub fn spec(field: Field) -> &'static FieldSpec {
    // FIELDS lists the fields in declaration order (checked by a test): the
    // planner asks for a spec several times per field of every file.
    &FIELDS[field as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const ALL: &[Field] = &[
        Field::Title,
        Field::Artist,
        Field::Album,
        Field::AlbumArtist,
        Field::Composer,
        Field::Genre,
        Field::Track,
        Field::TrackTotal,
        Field::Disc,
        Field::DiscTotal,
        Field::Date,
        Field::Grouping,
        Field::Comment,
        Field::Compilation,
        Field::ReleaseType,
        Field::Lyrics,
        Field::SoundtrackRole,
    ];

    #[test]
    fn rows_are_in_declaration_order() {
        for (at, row) in FIELDS.iter().enumerate() {
            assert_eq!(row.field as usize, at, "{:?} is not at its place in FIELDS", row.field);
        }
        assert_eq!(FIELDS.len(), ALL.len());
    }

    #[test]
    fn every_field_has_exactly_one_row() {
        for field in ALL {
            assert_eq!(FIELDS.iter().filter(|s| s.field == *field).count(), 1, "{field:?}");
        }
        assert_eq!(FIELDS.len(), ALL.len());
    }

    #[test]
    fn names_are_unique() {
        let names: HashSet<_> = FIELDS.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), FIELDS.len());
    }

    /// Pairs such as track/track_total share one raw key (TRCK "3/12"); any
    /// other repeat within a format would mean two fields fight over a key.
    #[test]
    fn no_raw_key_repeats_within_a_format_except_number_pairs() {
        let shared_ok = ["TRCK", "TPOS", "trkn", "disk", "Track", "Disc"];
        for tag_type in [
            TagType::Id3v2,
            TagType::VorbisComments,
            TagType::Mp4Ilst,
            TagType::Ape,
            TagType::RiffInfo,
            TagType::AiffText,
        ] {
            let mut seen = HashSet::new();
            for spec in FIELDS {
                for key in spec.raw.for_tag_type(tag_type) {
                    if !shared_ok.contains(key) {
                        assert!(seen.insert(key.to_ascii_uppercase()), "{key} repeats in {tag_type:?}");
                    }
                }
            }
        }
    }

    /// The first raw key of each field is what lofty writes for its first
    /// item key, so the table cannot drift from lofty's mapping unnoticed.
    #[test]
    fn written_raw_keys_match_lofty() {
        for spec in FIELDS {
            let Some(&key) = spec.item_keys.first() else { continue };
            for tag_type in [TagType::VorbisComments, TagType::Mp4Ilst, TagType::Ape, TagType::Id3v2] {
                let ours = spec.raw.for_tag_type(tag_type).first();
                let lofty = key.map_key(tag_type);
                // ID3v2 pairs and frames lofty handles outside its text map (USLT, COMM, TXXX).
                if let (Some(ours), Some(lofty)) = (ours, lofty) {
                    assert!(
                        ours.eq_ignore_ascii_case(lofty) || lofty.ends_with(ours),
                        "{}: table says {ours} for {tag_type:?}, lofty writes {lofty}",
                        spec.name
                    );
                }
            }
        }
    }
}
