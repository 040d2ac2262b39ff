//! What a scan finds: format by content, non-audio skipped and counted,
//! hidden entries and symlinks left alone unless asked, --max-depth.

use crate::util::{copy_fixture, noise, scan_jsonl, tag, temp, write_file};

#[test]
fn format_comes_from_the_content_not_the_name() {
    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "misnamed.mp3");
    copy_fixture("formats/sample.ogg", dir.path(), "vorbis-without-extension");
    copy_fixture("formats/id3v24.mp3", dir.path(), "mp3-without-extension");
    copy_fixture("formats/sample.m4a", dir.path(), "misnamed.ogg");

    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    let records = run.by_path(dir.path());
    let expected = [
        ("misnamed.mp3", "flac", "Fixture FLAC"),
        ("misnamed.ogg", "mp4", "Fixture M4A"),
        ("mp3-without-extension", "mp3", "Fixture ID3v2.4"),
        ("vorbis-without-extension", "vorbis", "Fixture Ogg Vorbis"),
    ];
    assert_eq!(records.len(), expected.len(), "{run}");
    for (name, format, title) in expected {
        let record = records.get(name).unwrap_or_else(|| panic!("{name} not reported\n{run}"));
        assert_eq!(record["format"], format, "{name}: {record}");
        assert_eq!(tag(record, "title"), title, "{name}: {record}");
    }
}

#[test]
fn non_audio_files_are_skipped_quietly_and_counted() {
    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "album/01 Track.flac");
    copy_fixture("library/Hans Zimmer/Interstellar/cover.jpg", dir.path(), "album/cover.jpg");
    copy_fixture("library/Hans Zimmer/Interstellar/CD1/Interstellar CD1.cue", dir.path(), "album/album.cue");
    copy_fixture("library/Hans Zimmer/Interstellar/CD1/Interstellar CD1.log", dir.path(), "album/rip.log");
    copy_fixture(
        "library/Various Artists/Drive (Original Motion Picture Soundtrack)/Drive.nfo",
        dir.path(),
        "album/x.nfo",
    );
    write_file(dir.path(), "album/notes.txt", b"just some notes\n");
    // Seed 7 holds an MPEG frame-sync-like pair (0xFF 0xEx) at byte 677, inside
    // the 1 KiB window where lofty's content sniffing looks for MP3 frames
    // after junk, so only a real check of the frames tells it is not audio.
    // Seed 11 holds no such pair.
    write_file(dir.path(), "album/noise.bin", &noise(4096, 7));
    write_file(dir.path(), "album/noise-without-extension", &noise(4096, 11));
    let non_audio = 7;

    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    let records = run.by_path(dir.path());
    assert_eq!(records.keys().collect::<Vec<_>>(), ["album/01 Track.flac"], "only the audio file\n{run}");
    assert_eq!(run.skipped(), non_audio, "summary counts every non-audio file\n{run}");
    assert_eq!(run.failed(), 0, "{run}");
    assert!(!run.stderr.to_lowercase().contains("error"), "skipped quietly\n{run}");
}

#[test]
fn hidden_files_and_folders_are_skipped_unless_hidden_is_given() {
    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "visible.flac");
    copy_fixture("formats/sample.flac", dir.path(), ".hidden.flac");
    copy_fixture("formats/sample.ogg", dir.path(), ".hidden-folder/track.ogg");
    copy_fixture("formats/sample.ogg", dir.path(), "album/.AppleDouble/track.ogg");

    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    let names: Vec<String> = run.by_path(dir.path()).into_keys().collect();
    assert_eq!(names, ["visible.flac"], "{run}");

    let run = scan_jsonl(dir.path(), &["--hidden"]);
    run.assert_code(0);
    let names: Vec<String> = run.by_path(dir.path()).into_keys().collect();
    assert_eq!(
        names,
        [".hidden-folder/track.ogg", ".hidden.flac", "album/.AppleDouble/track.ogg", "visible.flac"],
        "{run}"
    );

    // A hidden folder named on the command line is the user's choice: scanned.
    let run = scan_jsonl(&dir.path().join(".hidden-folder"), &[]);
    run.assert_code(0);
    assert_eq!(run.by_path(&dir.path().join(".hidden-folder")).into_keys().collect::<Vec<_>>(), ["track.ogg"], "{run}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_only_with_follow_links() {
    use std::os::unix::fs::symlink;

    let outside = temp();
    copy_fixture("formats/sample.flac", outside.path(), "elsewhere/linked-folder-track.flac");
    let linked_file = copy_fixture("formats/sample.ogg", outside.path(), "linked-file-target.ogg");

    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "real.flac");
    symlink(outside.path().join("elsewhere"), dir.path().join("folder-link")).expect("symlink a folder");
    symlink(&linked_file, dir.path().join("file-link.ogg")).expect("symlink a file");
    symlink(dir.path().join("does-not-exist.flac"), dir.path().join("dangling.flac")).expect("symlink");

    let run = scan_jsonl(dir.path(), &[]);
    run.assert_code(0);
    let names: Vec<String> = run.by_path(dir.path()).into_keys().collect();
    assert_eq!(names, ["real.flac"], "links are not followed by default\n{run}");

    let run = scan_jsonl(dir.path(), &["-L"]);
    let records = run.by_path(dir.path());
    for name in ["real.flac", "file-link.ogg", "folder-link/linked-folder-track.flac"] {
        let record = records.get(name).unwrap_or_else(|| panic!("-L: {name} not reported\n{run}"));
        assert!(record.get("tags").is_some(), "-L: {name} read: {record}");
    }
    // The dangling link cannot be read; whatever reeltag says, it names the path.
    if let Some(record) = records.get("dangling.flac") {
        assert!(record.get("error").is_some(), "a dangling link is an error: {record}");
        run.assert_code(1);
    }

    let run = scan_jsonl(dir.path(), &["--follow-links"]);
    assert!(run.by_path(dir.path()).contains_key("folder-link/linked-folder-track.flac"), "{run}");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_ends_with_follow_links() {
    use std::os::unix::fs::symlink;

    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "album/01.flac");
    symlink(dir.path().join("album"), dir.path().join("album/loop")).expect("symlink");

    let run = crate::util::scan([dir.path().as_os_str(), "--format".as_ref(), "jsonl".as_ref(), "-L".as_ref()]);
    assert!(matches!(run.code, Some(0 | 1)), "{run}");
    let records = run.by_path(dir.path());
    assert!(records.get("album/01.flac").is_some_and(|r| r.get("tags").is_some()), "{run}");
    let looped: Vec<&String> = records.keys().filter(|k| k.contains("loop/loop")).collect();
    assert!(looped.is_empty(), "the loop is not followed round and round: {looped:?}\n{run}");
}

#[test]
fn max_depth_limits_the_folder_levels() {
    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "a.flac");
    copy_fixture("formats/sample.flac", dir.path(), "one/b.flac");
    copy_fixture("formats/sample.flac", dir.path(), "one/two/c.flac");

    let names = |extra: &[&str]| -> Vec<String> {
        let run = scan_jsonl(dir.path(), extra);
        run.assert_code(0);
        run.by_path(dir.path()).into_keys().collect()
    };
    assert_eq!(names(&["--max-depth", "1"]), ["a.flac"]);
    assert_eq!(names(&["--max-depth", "2"]), ["a.flac", "one/b.flac"]);
    assert_eq!(names(&[]), ["a.flac", "one/b.flac", "one/two/c.flac"]);
}

#[test]
fn a_single_file_can_be_scanned() {
    let dir = temp();
    let file = copy_fixture("formats/sample.opus", dir.path(), "single.opus");
    let run = scan_jsonl(&file, &[]);
    run.assert_code(0);
    let records = run.records();
    assert_eq!(records.len(), 1, "{run}");
    assert_eq!(records[0]["path"], file.to_string_lossy().as_ref(), "{run}");
    assert_eq!(records[0]["format"], "opus", "{run}");
}

#[test]
fn quiet_prints_no_summary() {
    let dir = temp();
    copy_fixture("formats/sample.flac", dir.path(), "a.flac");
    let run = scan_jsonl(dir.path(), &["-q"]);
    run.assert_code(0);
    assert_eq!(run.records().len(), 1, "{run}");
    assert!(run.stderr.trim().is_empty(), "-q: nothing on stderr\n{run}");

    let run = scan_jsonl(dir.path(), &[]);
    assert_eq!(run.skipped(), 0, "without -q a summary line\n{run}");
}
