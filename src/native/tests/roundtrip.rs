//! Every fixture format: set every field, save, re-read.

use super::region::{audio_region_digest, mp4_relative_chunk_offsets};
use super::*;
use crate::native::{Id3Policy, NativeOptions};

const FORMATS: &[&str] = &[
    "formats/id3v23.mp3",
    "formats/id3v24.mp3",
    "formats/id3v1.mp3",
    "formats/sample.flac",
    "formats/sample.ogg",
    "formats/sample.opus",
    "formats/sample.m4a",
    "formats/sample-m4a-moov-after.m4a",
    "formats/sample.wav",
    "formats/sample.aiff",
    "formats/sample.wv",
    "data/sample.aac",
    "data/sample.spx",
];

/// Library tracks with other fields, lists and (two of them) pictures.
const LIBRARY: &[&str] = &[
    "library/John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac",
    "library/Daft Punk/Random Access Memories/08 Get Lucky.mp3",
    "library/Hans Zimmer/Interstellar/CD1/02 Cornfield Chase.mp3",
    "library/Berliner Philharmoniker/Beethoven - Symphony No. 5/01 Symphony No. 5 in C minor, Op. 67 - I. Allegro con brio.ogg",
];

fn all_fixtures() -> impl Iterator<Item = &'static str> {
    FORMATS.iter().chain(LIBRARY).copied()
}

fn round_trip(fixture: &str) {
    let copy = temp_copy(fixture);
    let options = NativeOptions::default();
    edit(&copy.path, &options, add_unknown_and_picture);

    let mut native = read(&copy.path);
    assert_eq!(unknown(&native), [UNKNOWN_VALUE], "{fixture}: planted item");
    let pictures_before = pictures(&native);
    assert!(!pictures_before.is_empty(), "{fixture}: planted picture");
    let version_before = native.id3v2_version();
    let (_, audio_before) = audio_region_digest(&copy.path).expect("audio layout understood");
    let chunks_before = mp4_relative_chunk_offsets(&copy.path);
    let properties_before = properties(&copy.path);

    for (field, values) in sample_values() {
        native.set(field, &values, &options);
    }
    save(&native, &copy.path, &options);

    let after = read(&copy.path);
    for (field, values) in sample_values() {
        assert_eq!(after.get(field), values, "{fixture}: {field:?}");
    }
    assert_eq!(unknown(&after), [UNKNOWN_VALUE], "{fixture}: unknown item");
    assert_eq!(pictures(&after), pictures_before, "{fixture}: pictures");
    assert_eq!(after.id3v2_version(), version_before, "{fixture}: ID3v2 version (Keep)");
    let (_, audio_after) = audio_region_digest(&copy.path).expect("audio layout understood");
    assert!(audio_after == audio_before, "{fixture}: audio bytes changed");
    assert_eq!(mp4_relative_chunk_offsets(&copy.path), chunks_before, "{fixture}: MP4 chunk offsets");
    assert_eq!(properties(&copy.path), properties_before, "{fixture}: properties");
    assert_eq!(after.format(), native.format());

    // A second save of what was read changes nothing.
    let bytes = std::fs::read(&copy.path).expect("read");
    save(&after, &copy.path, &options);
    assert_eq!(snapshot(&read(&copy.path)), snapshot(&after), "{fixture}: second save");
    if !fixture.ends_with(".ogg") && !fixture.ends_with(".opus") {
        assert_eq!(std::fs::read(&copy.path).expect("read").len(), bytes.len(), "{fixture}: second save size");
    }
}

macro_rules! round_trip_tests {
    ($($name:ident => $fixture:expr;)+) => {
        $(
            #[test]
            fn $name() {
                round_trip($fixture);
            }
        )+
    };
}

round_trip_tests! {
    round_trip_mp3_id3v23 => "formats/id3v23.mp3";
    round_trip_mp3_id3v24 => "formats/id3v24.mp3";
    round_trip_mp3_id3v1_only => "formats/id3v1.mp3";
    round_trip_flac => "formats/sample.flac";
    round_trip_ogg_vorbis => "formats/sample.ogg";
    round_trip_opus => "formats/sample.opus";
    round_trip_m4a_faststart => "formats/sample.m4a";
    round_trip_m4a_moov_after_mdat => "formats/sample-m4a-moov-after.m4a";
    round_trip_wav => "formats/sample.wav";
    round_trip_aiff => "formats/sample.aiff";
    round_trip_wavpack => "formats/sample.wv";
    round_trip_aac_adts => "data/sample.aac";
    round_trip_speex => "data/sample.spx";
    round_trip_library_flac_with_picture => LIBRARY[0];
    round_trip_library_mp3_v23_with_picture => LIBRARY[1];
}

#[test]
fn fields_not_set_are_unchanged() {
    let options = NativeOptions::default();
    for fixture in all_fixtures() {
        let copy = temp_copy(fixture);
        let before = snapshot(&read(&copy.path));
        let pictures_before = pictures(&read(&copy.path));
        edit(&copy.path, &options, |native| {
            native.set(Field::Grouping, &strings(&["Score"]), &options);
            native.set(Field::SoundtrackRole, &strings(&["score"]), &options);
        });
        let native = read(&copy.path);
        for (field, values) in before {
            match field {
                Field::Grouping => assert_eq!(native.get(field), ["Score"], "{fixture}"),
                Field::SoundtrackRole => assert_eq!(native.get(field), ["score"], "{fixture}"),
                _ => assert_eq!(native.get(field), values, "{fixture}: {field:?}"),
            }
        }
        assert_eq!(pictures(&native), pictures_before, "{fixture}: pictures");
    }
}

#[test]
fn library_values_read_as_tagged() {
    let star_wars = read(&temp_copy(LIBRARY[0]).path);
    assert_eq!(star_wars.get(Field::ReleaseType), ["album", "soundtrack"]);
    assert_eq!(star_wars.get(Field::Artist), ["John Williams; London Symphony Orchestra"]);
    assert_eq!((star_wars.get(Field::Track), star_wars.get(Field::TrackTotal)), (strings(&["1"]), strings(&["16"])));
    assert_eq!(pictures(&star_wars).len(), 1);
    let get_lucky = read(&temp_copy(LIBRARY[1]).path);
    assert_eq!(get_lucky.id3v2_version(), Some("2.3"));
    assert_eq!(get_lucky.get(Field::Date), ["2013"]);
    assert_eq!((get_lucky.get(Field::Track), get_lucky.get(Field::TrackTotal)), (strings(&["8"]), strings(&["13"])));
    assert_eq!(get_lucky.get(Field::ReleaseType), ["album"]);
    assert_eq!(pictures(&get_lucky).len(), 1);
}

#[test]
fn removing_every_field_leaves_no_trace() {
    let options = NativeOptions { id3: Id3Policy::Keep, ..NativeOptions::default() };
    for fixture in FORMATS {
        let copy = temp_copy(fixture);
        edit(&copy.path, &options, |native| {
            for (field, values) in sample_values() {
                native.set(field, &values, &options);
            }
        });
        edit(&copy.path, &options, |native| {
            for (field, _) in sample_values() {
                native.set(field, &[], &options);
            }
        });
        let native = read(&copy.path);
        let tag_type = native.primary_type();
        // An ID3v2 tag left without frames is not written at all.
        let Some(primary) = native.primary() else { continue };
        for spec in FIELDS {
            assert!(native.get(spec.field).is_empty(), "{fixture}: {}", spec.name);
            for key in spec.raw.for_tag_type(tag_type) {
                // An empty frame or item would still read as [""].
                assert!(primary.read(key).is_empty(), "{fixture}: {key} left behind");
            }
        }
        // Ogg files keep ffmpeg's ENCODER field; elsewhere nothing is left.
        if ![".ogg", ".opus", ".spx"].iter().any(|ext| fixture.ends_with(ext)) {
            assert!(primary_is_empty(&native), "{fixture}: primary tag not empty");
        }
    }
}

#[test]
fn empty_and_blank_values_remove() {
    let options = NativeOptions::default();
    let copy = temp_copy("formats/sample.flac");
    edit(&copy.path, &options, |native| {
        native.set(Field::Title, &strings(&["", "  "]), &options);
        native.set(Field::Artist, &strings(&["", "Solo"]), &options);
    });
    let native = read(&copy.path);
    assert!(native.get(Field::Title).is_empty());
    assert_eq!(native.get(Field::Artist), ["Solo"]);
}
