//! Files that cannot be read: one error record each naming the cause, exit 1,
//! and the rest of the batch still reported.

use std::fs;

use serde_json::Value;

use crate::util::{copy_fixture, fixture, noise, scan_jsonl, temp, write_file};

/// Checks an error record: only "path" and "error", and a message that says
/// more than lofty's bare "failed to parse X file".
#[track_caller]
fn assert_error_record(record: &Value) {
    let object = record.as_object().expect("a JSON object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["error", "path"], "an error record: {record}");
    let message = record["error"].as_str().unwrap_or_else(|| panic!("error is a string: {record}"));
    let bare = message.trim_start_matches("read: ").trim();
    assert!(
        !(bare.starts_with("failed to parse") && bare.ends_with("file")),
        "the message names a cause, not just \"failed to parse X file\": {record}"
    );
    let cause = message.split_once("failed to parse").map_or(message, |(_, rest)| rest);
    assert!(cause.contains(':') || cause.contains('('), "the message carries a cause: {record}");
}

#[test]
fn damaged_files_are_error_records_and_the_batch_goes_on() {
    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "a-good.flac");
    copy_fixture("formats/id3v24.mp3", dir.path(), "z-good.mp3");
    let flac = fs::read(fixture("formats/sample.flac")).expect("read the fixture");
    write_file(dir.path(), "truncated.flac", &flac[..100]);
    // Seed 1 starts with no tag and no audio format's magic bytes; a frame-sync-like
    // pair at byte 40 makes lofty take it for MPEG, but no two frames follow each other.
    write_file(dir.path(), "random.mp3", &noise(4096, 1));

    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(1);
    let records = run.by_path(dir.path());
    assert_eq!(
        records.keys().collect::<Vec<_>>(),
        ["a-good.flac", "random.mp3", "truncated.flac", "z-good.mp3"],
        "every file reported once, in path order\n{run}"
    );
    for name in ["a-good.flac", "z-good.mp3"] {
        assert!(records[name].get("tags").is_some(), "{name} still read\n{run}");
    }
    for name in ["random.mp3", "truncated.flac"] {
        assert_error_record(&records[name]);
    }
    assert_eq!(run.failed(), 2, "{run}");
}

#[test]
fn a_truncated_flac_says_it_is_truncated() {
    let dir = temp();
    let flac = fs::read(fixture("formats/sample.flac")).expect("read the fixture");
    write_file(dir.path(), "truncated.flac", &flac[..100]);
    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(1);
    let records = run.records();
    assert_eq!(records.len(), 1, "{run}");
    assert_error_record(&records[0]);
    let message = records[0]["error"].as_str().expect("a string").to_lowercase();
    assert!(message.contains("flac"), "names the format: {message}");
    assert!(message.contains("truncated") || message.contains("buffer") || message.contains("eof"), "{message}");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_record() {
    use std::os::unix::fs::PermissionsExt;

    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "readable.flac");
    let locked = copy_fixture("formats/sample.flac", dir.path(), "locked.flac");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod 000");
    if fs::File::open(&locked).is_ok() {
        // root (or CAP_DAC_OVERRIDE) reads it anyway.
        eprintln!("skipped: running as root");
        return;
    }

    let run = scan_jsonl(dir.path(), &[]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).expect("chmod back");
    run.assert_code(1);
    let records = run.by_path(dir.path());
    assert!(records["readable.flac"].get("tags").is_some(), "{run}");
    let record = &records["locked.flac"];
    assert_error_record(record);
    let message = record["error"].as_str().expect("a string").to_lowercase();
    assert!(message.contains("permission"), "names the cause: {record}");
}
