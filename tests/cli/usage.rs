//! Exit codes and messages of the run as a whole, and odd paths.

use crate::util::{copy_fixture, scan, scan_jsonl, tag, temp};

#[test]
fn an_empty_folder_is_success_with_no_records() {
    let dir = temp();
    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    assert!(run.stdout.is_empty(), "no records\n{run}");
    assert_eq!(run.failed(), 0, "{run}");
}

#[test]
fn a_missing_path_is_exit_2_naming_the_path() {
    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "a.flac");
    let missing = dir.path().join("no-such-folder-4711");
    let run = scan([dir.path(), missing.as_path()]);
    run.assert_code(2);
    assert!(run.stderr.contains(&*missing.to_string_lossy()), "the message names the path\n{run}");
    assert!(run.stdout.is_empty(), "nothing scanned\n{run}");
}

#[test]
fn usage_errors_are_exit_2() {
    let dir = temp();
    let path = dir.path().to_str().expect("a UTF-8 temp path");
    for args in [
        vec![path, "--no-such-flag"],
        vec![],
        vec![path, "--format", "xml"],
        vec![path, "--threads", "many"],
        vec![path, "--max-depth", "-1"],
    ] {
        let run = scan(&args);
        assert_eq!(run.code, Some(2), "scan {args:?}\n{run}");
        assert!(!run.stderr.trim().is_empty(), "scan {args:?}: says what is wrong\n{run}");
        assert!(run.stdout.is_empty(), "scan {args:?}\n{run}");
    }
    let run = scan([path, "--no-such-flag"]);
    assert!(run.stderr.contains("--no-such-flag"), "names the flag\n{run}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_non_utf8_file_name_is_read_and_reported() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = temp();
    let name = OsStr::from_bytes(b"caf\xe9.flac");
    let path = copy_fixture("formats/sample.flac", dir.path(), name);
    assert!(path.exists(), "the file system took the name");

    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    let records = run.records();
    assert_eq!(records.len(), 1, "{run}");
    let record = &records[0];
    assert_eq!(record["format"], "flac", "{record}");
    assert_eq!(tag(record, "title"), "Fixture FLAC", "{record}");
    // JSON strings are UTF-8: the byte 0xE9 is printed as U+FFFD.
    let printed = record["path"].as_str().expect("a string");
    assert!(printed.ends_with("caf\u{FFFD}.flac"), "{printed}");
    assert!(printed.starts_with(&*dir.path().to_string_lossy()), "{printed}");
}
