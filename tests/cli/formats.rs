//! Every committed format fixture is read, with the format detected from its
//! content and the title its tags carry.

use crate::util::{copy_dir, fixtures, scan_jsonl, tag, temp};

/// File, expected "format", expected title (see fixtures/README.md).
const FORMATS: &[(&str, &str, &str)] = &[
    ("id3v1.mp3", "mp3", "Fixture ID3v1"),
    ("id3v23.mp3", "mp3", "Fixture ID3v2.3"),
    ("id3v24.mp3", "mp3", "Fixture ID3v2.4"),
    ("sample-m4a-moov-after.m4a", "mp4", "Fixture M4A"),
    ("sample.aiff", "aiff", "Fixture AIFF"),
    ("sample.flac", "flac", "Fixture FLAC"),
    ("sample.m4a", "mp4", "Fixture M4A"),
    ("sample.ogg", "vorbis", "Fixture Ogg Vorbis"),
    ("sample.opus", "opus", "Fixture Opus"),
    ("sample.wav", "wav", "Fixture WAV"),
    ("sample.wv", "wavpack", "Fixture WavPack"),
];

#[test]
fn every_format_fixture_reads_with_its_format_and_title() {
    let dir = temp();
    copy_dir(&fixtures().join("formats"), dir.path());
    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    let records = run.by_path(dir.path());

    let names: Vec<&str> = records.keys().map(String::as_str).collect();
    let expected: Vec<&str> = FORMATS.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(names, expected, "one record per fixture, sorted by path\n{run}");

    for (name, format, title) in FORMATS {
        let record = &records[*name];
        assert!(record.get("error").is_none(), "{name} failed: {record}");
        assert_eq!(record["format"], *format, "{name}: {record}");
        assert_eq!(tag(record, "title"), *title, "{name}: {record}");
        // The four values every format fixture carries.
        assert_eq!(tag(record, "artist"), &serde_json::json!(["Fixture Artist"]), "{name}: {record}");
        assert_eq!(tag(record, "album"), "Fixture Album", "{name}: {record}");
        assert_eq!(tag(record, "track"), 1, "{name}: {record}");
        assert!(tag(record, "track_total").is_null(), "{name}: no track total: {record}");
        let tag_types = record["tag_types"].as_array().unwrap_or_else(|| panic!("{name}: tag_types: {record}"));
        assert!(!tag_types.is_empty(), "{name}: tag_types lists the tags read: {record}");
    }
    assert_eq!(run.failed(), 0, "{run}");
}
