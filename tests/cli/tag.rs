//! `reeltag tag`, `undo` and `runs` on copies of the sample library.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::util::{Run, copy_dir, fixtures, reeltag, relative, scan_jsonl, temp};

/// Every file's bytes under a folder, by relative path.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walk(root) {
        out.insert(relative(root, &entry.to_string_lossy()), fs::read(&entry).unwrap());
    }
    out
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { stack.push(path) } else { files.push(path) }
        }
    }
    files.sort();
    files
}

fn tag(root: &Path, journal: &Path, extra: &[&str]) -> Run {
    reeltag()
        .arg("tag")
        .arg(root)
        .args(["--format", "jsonl", "--journal"])
        .arg(journal)
        .args(extra)
        .output()
        .expect("run reeltag")
        .into()
}

/// Each file's tags as a scan reports them.
fn tags_by_path(root: &Path) -> BTreeMap<String, Value> {
    let run = scan_jsonl(root, &[]);
    run.assert_code(0);
    run.by_path(root).into_iter().map(|(k, v)| (k, v["tags"].clone())).collect()
}

fn library() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = temp();
    let root = dir.path().join("lib");
    copy_dir(&fixtures().join("library"), &root);
    let journal = dir.path().join("journal");
    (dir, root, journal)
}

/// `copies` copies of the sample library in one temp folder (44 files each).
fn library_copies(copies: usize) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = temp();
    let root = dir.path().join("lib");
    for copy in 0..copies {
        copy_dir(&fixtures().join("library"), &root.join(format!("copy{copy}")));
    }
    let journal = dir.path().join("journal");
    (dir, root, journal)
}

fn change<'v>(record: &'v Value, field: &str) -> Option<&'v Value> {
    record["changes"].as_array().unwrap().iter().find(|c| c["field"] == field)
}

#[test]
fn dry_run_changes_no_byte_and_journals_nothing() {
    let (_dir, root, journal) = library();
    let before = snapshot(&root);
    let run = tag(&root, &journal, &["--dry-run"]);
    run.assert_code(0);
    assert_eq!(snapshot(&root), before, "a dry run changed a file");
    assert!(!journal.exists(), "a dry run wrote a journal");

    let records = run.by_path(&root);
    assert_eq!(records.len(), 44, "one record per audio file\n{run}");
    let star_wars = &records["John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac"];
    assert_eq!(star_wars["role"], "score");
    assert_eq!(change(star_wars, "grouping").unwrap()["new"], "Original Score");
    assert_eq!(change(star_wars, "soundtrack_role").unwrap()["new"], "score");
    let guardians = records.iter().find(|(k, _)| k.contains("Hooked on a Feeling")).unwrap().1;
    assert_eq!(change(guardians, "grouping").unwrap()["new"], "Soundtrack");
    let daft = records.iter().find(|(k, _)| k.contains("Give Life Back")).unwrap().1;
    assert_eq!(daft["role"], "none");
    assert!(change(daft, "grouping").is_none() && change(daft, "soundtrack_role").is_none());
    assert!(run.stderr.contains("dry run"), "{run}");
}

#[test]
fn tag_writes_the_plan_keeps_pictures_and_a_second_run_is_a_no_op() {
    let (_dir, root, journal) = library();
    let picture_file = root.join("John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac");
    let pictures_before = picture_bytes(&picture_file);
    assert!(!pictures_before.is_empty(), "the fixture has a picture");
    let v23 = root.join("Daft Punk/Random Access Memories/01 Give Life Back to Music.mp3");
    assert_eq!(&fs::read(&v23).unwrap()[..4], b"ID3\x03");

    let planned = tag(&root, &journal, &["--dry-run"]).by_path(&root);
    let run = tag(&root, &journal, &[]);
    run.assert_code(0);
    let after = tags_by_path(&root);
    for (path, record) in &planned {
        for c in record["changes"].as_array().unwrap() {
            let field = c["field"].as_str().unwrap();
            if field != "soundtrack_role" {
                assert_eq!(after[path][field], c["new"], "{path}: {field}");
            }
        }
    }
    assert_eq!(picture_bytes(&picture_file), pictures_before, "pictures survive");
    assert_eq!(&fs::read(&v23).unwrap()[..4], b"ID3\x03", "an ID3v2.3 file stays v2.3");
    assert!(walk(&root).iter().all(|p| !p.to_string_lossy().contains("reeltag-tmp")), "temp files left");

    let again = tag(&root, &journal, &["--dry-run"]);
    again.assert_code(0);
    let leftovers: Vec<_> = again.records().into_iter().filter(|r| r["changes"] != serde_json::json!([])).collect();
    assert!(leftovers.is_empty(), "second run would change: {leftovers:#?}");
}

#[test]
fn undo_restores_every_value_and_runs_lists_the_run() {
    let (_dir, root, journal) = library();
    let original = tags_by_path(&root);
    tag(&root, &journal, &[]).assert_code(0);
    assert_ne!(tags_by_path(&root), original);
    let runs: Run = reeltag().args(["runs", "--journal"]).arg(&journal).output().unwrap().into();
    runs.assert_code(0);
    assert!(runs.stdout.contains(" tag "), "{runs}");
    let undo: Run = reeltag().args(["undo", "--format", "jsonl", "--journal"]).arg(&journal).output().unwrap().into();
    undo.assert_code(0);
    assert_eq!(tags_by_path(&root), original, "undo restores the original values\n{undo}");
}

#[test]
fn read_only_and_changed_files_are_skipped_and_reported() {
    let (_dir, root, journal) = library();
    let locked = root.join("John Williams/Star Wars (Original Motion Picture Soundtrack)/02 Imperial Attack.flac");
    let bytes = fs::read(&locked).unwrap();
    let mut perms = fs::metadata(&locked).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&locked, perms).unwrap();
    let run = tag(&root, &journal, &[]);
    run.assert_code(1);
    assert_eq!(fs::read(&locked).unwrap(), bytes, "a read-only file was changed");
    let record = run
        .by_path(&root)
        .remove("John Williams/Star Wars (Original Motion Picture Soundtrack)/02 Imperial Attack.flac")
        .unwrap();
    assert_eq!(record["status"], "failed");
    assert!(record["error"].as_str().unwrap().contains("read-only"), "{record}");
}

fn picture_bytes(path: &Path) -> Vec<Vec<u8>> {
    use lofty::file::TaggedFileExt;
    let file = lofty::read_from_path(path).unwrap();
    file.tags().iter().flat_map(|t| t.pictures().iter().map(|p| p.data().to_vec())).collect()
}

/// A reeltag child is SIGKILLed at random moments during a batch write over
/// 220 files, several times; every file must still parse and hold either its
/// old or its new tags, and undo must restore them all.
#[test]
fn killed_runs_leave_every_file_old_or_new() {
    let (_dir, root, journal) = library_copies(5);
    let original = tags_by_path(&root);
    assert!(original.len() >= 200, "{} files", original.len());
    let planned: BTreeMap<String, Value> = tag(&root, &journal, &["--dry-run"]).by_path(&root);
    let mut seed = 0x9e3779b97f4a7c15u64;
    for round in 0..4 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(20 + seed % 400);
        let mut child = reeltag()
            .arg("tag")
            .arg(&root)
            .args(["--format", "jsonl", "-q", "--journal"])
            .arg(&journal)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let now = scan_jsonl(&root, &[]);
        assert_eq!(now.code, Some(0), "round {round}: a file no longer parses\n{now}");
        for (path, record) in now.by_path(&root) {
            let tags = &record["tags"];
            let old = &original[&path];
            let mut new = old.clone();
            for c in planned[&path]["changes"].as_array().unwrap() {
                let field = c["field"].as_str().unwrap();
                if field != "soundtrack_role" {
                    new[field] = c["new"].clone();
                }
            }
            // After round 0 a file may already be new from an earlier round.
            assert!(tags == old || tags == &new, "round {round}: {path} is neither old nor new: {tags}");
        }
    }
    tag(&root, &journal, &[]).assert_code(0);
    // Undo every run, newest first, until nothing is left to restore.
    let runs = tag_run_ids(&journal);
    for run in runs.iter().rev() {
        let undo: Run =
            reeltag().args(["undo", run, "--format", "jsonl", "--journal"]).arg(&journal).output().unwrap().into();
        assert!(matches!(undo.code, Some(0)), "{undo}");
    }
    assert_eq!(tags_by_path(&root), original, "undo restores all");
}

fn tag_run_ids(journal: &Path) -> Vec<String> {
    let runs: Run = reeltag().args(["runs", "--journal"]).arg(journal).output().unwrap().into();
    runs.stdout
        .lines()
        .filter(|l| l.contains(" tag "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// Every format fixture: written, re-read as planned, a second run is a
/// no-op, and undo restores the original values.
#[test]
fn every_format_is_written_verified_and_undone() {
    let dir = temp();
    let root = dir.path().join("Soundtracks").join("Some Film (Original Score)");
    copy_dir(&fixtures().join("formats"), &root);
    let journal = dir.path().join("journal");
    let original = tags_by_path(&root);
    let before = snapshot(&root);
    let dry = tag(&root, &journal, &["--dry-run"]);
    dry.assert_code(0);
    assert_eq!(snapshot(&root), before);
    let planned = dry.by_path(&root);
    let run = tag(&root, &journal, &[]);
    run.assert_code(0);
    for (path, record) in run.by_path(&root) {
        let planned_changes = &planned[&path]["changes"];
        assert_ne!(planned_changes, &serde_json::json!([]), "{path}: a score album gets role fields");
        assert_eq!(record["status"], "written", "{path}: {record}");
    }
    let after = tags_by_path(&root);
    for (path, tags) in &after {
        assert_eq!(tags["grouping"], "Original Score", "{path}");
    }
    let again = tag(&root, &journal, &["--dry-run"]);
    for record in again.records() {
        assert_eq!(record["changes"], serde_json::json!([]), "second run: {record}");
    }
    let undo: Run = reeltag().args(["undo", "--format", "jsonl", "--journal"]).arg(&journal).output().unwrap().into();
    undo.assert_code(0);
    assert_eq!(tags_by_path(&root), original, "{undo}");
}

/// Other tools read what reeltag wrote (skipped when they are not installed).
#[test]
fn mutagen_reads_the_role_fields() {
    let probe = std::process::Command::new("python3").args(["-c", "import mutagen"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: python3 with mutagen is not installed");
        return;
    }
    let (_dir, root, journal) = library();
    tag(&root, &journal, &[]).assert_code(0);
    let script = r#"
import sys, mutagen
f = mutagen.File(sys.argv[1])
tags = f.tags
def first(keys):
    for k in keys:
        if k in tags:
            v = tags[k]
            v = v.text if hasattr(v, "text") else v
            v = v[0] if isinstance(v, list) else v
            return v.decode() if isinstance(v, bytes) else str(v)
    return ""
print(first(["TIT1", "grouping", "GROUPING", "\xa9grp"]))
print(first(["TXXX:SOUNDTRACK_ROLE", "soundtrack_role", "SOUNDTRACK_ROLE", "----:com.apple.iTunes:SOUNDTRACK_ROLE"]))
"#;
    for (file, grouping, role) in [
        ("John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac", "Original Score", "score"),
        ("Hans Zimmer/Interstellar/CD1/02 Cornfield Chase.mp3", "Original Score", "score"),
        ("Various Artists/Drive (Original Motion Picture Soundtrack)/01 Nightcall.m4a", "Soundtrack", "song"),
        (
            "Various Artists/Guardians of the Galaxy Awesome Mix Vol. 1 (Original Motion Picture Soundtrack)/01 Hooked on a Feeling.mp3",
            "Soundtrack",
            "song",
        ),
    ] {
        let out = std::process::Command::new("python3").args(["-c", script]).arg(root.join(file)).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, [grouping, role], "{file}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Ctrl-C: files in flight finish, the journal is closed, exit 130; every
/// file is still whole.
#[test]
fn ctrl_c_stops_cleanly() {
    let (_dir, root, journal) = library_copies(5);
    let child = reeltag()
        .arg("tag")
        .arg(&root)
        .args(["--format", "jsonl", "-q", "-j", "1", "--journal"])
        .arg(&journal)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let _ = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait_with_output().unwrap().status;
    // 130 when the signal came mid-run; 0 when the run had already finished.
    assert!(matches!(status.code(), Some(130) | Some(0)), "{status:?}");
    let now = scan_jsonl(&root, &[]);
    now.assert_code(0);
    assert!(walk(&root).iter().all(|p| !p.to_string_lossy().contains("reeltag-tmp")), "temp files left");
}

/// A disk that fills up mid-batch: the files that do not fit fail cleanly,
/// every original stays whole and readable, and no temporary file is left.
/// Needs root to mount a small tmpfs; skips with a message otherwise.
#[test]
fn a_full_disk_fails_files_cleanly() {
    let dir = temp();
    let mount = dir.path().join("small");
    fs::create_dir_all(&mount).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=400k", "tmpfs"])
        .arg(&mount)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs (needs root)");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&mount);
    let root = mount.join("lib");
    // Copy albums until the disk is nearly full.
    let mut copies = 0;
    loop {
        let target = root.join(format!("copy{copies}"));
        let ok = std::panic::catch_unwind(|| copy_dir(&fixtures().join("library"), &target)).is_ok();
        if !ok {
            let _ = fs::remove_dir_all(&target);
            break;
        }
        copies += 1;
    }
    assert!(copies >= 1, "nothing fit on the small disk");
    // Fill what is left: every temporary copy now runs out of space.
    let filler = mount.join("filler");
    {
        use std::io::Write;
        let mut f = fs::File::create(&filler).unwrap();
        let block = vec![0u8; 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    let journal = dir.path().join("journal");
    let original = tags_by_path(&root);
    let before = snapshot(&root);
    let run = tag(&root, &journal, &[]);
    let records = run.by_path(&root);
    let failed: Vec<_> = records.iter().filter(|(_, r)| r["status"] == "failed").collect();
    assert!(!failed.is_empty(), "expected some files to fail on a full disk\n{run}");
    assert_eq!(run.code, Some(1), "{run}");
    for (path, record) in &failed {
        assert!(record["error"].as_str().unwrap().contains("disk is full"), "{path}: {record}");
        assert_eq!(before[*path], fs::read(root.join(path)).unwrap(), "{path}: a failed file changed");
    }
    let now = scan_jsonl(&root, &[]);
    now.assert_code(0);
    assert_eq!(now.by_path(&root).len(), original.len());
    assert!(walk(&root).iter().all(|p| !p.to_string_lossy().contains("reeltag-tmp")), "temp files left");
    eprintln!("full disk: {} copies, {} of {} files failed cleanly", copies, failed.len(), records.len());
    // With room again, the same run goes through.
    fs::remove_file(&filler).unwrap();
    tag(&root, &journal, &[]).assert_code(0);
}

/// A symlink's target is edited and the link stays a link; a file with two
/// hard links is skipped with a message rather than split.
#[test]
fn links_are_kept() {
    let (_dir, root, journal) = library();
    let album = root.join("John Williams/Star Wars (Original Motion Picture Soundtrack)");
    let outside = root.parent().unwrap().join("elsewhere");
    fs::create_dir_all(&outside).unwrap();
    // Track 3 becomes a link to a file outside the album folder.
    let real = outside.join("03.flac");
    fs::rename(album.join("03 Princess Leia's Theme.flac"), &real).unwrap();
    std::os::unix::fs::symlink(&real, album.join("03 Princess Leia's Theme.flac")).unwrap();
    // Track 4 gets a second hard link.
    fs::hard_link(album.join("04 The Desert and the Robot Auction.flac"), outside.join("04-link.flac")).unwrap();
    let hard_before = fs::read(album.join("04 The Desert and the Robot Auction.flac")).unwrap();

    // Without -L the link inside the album is not followed at all.
    let run = tag(&root, &journal, &[]);
    assert!(!run.stdout.contains("03 Princess"), "a link was followed without -L\n{run}");
    let records = run.by_path(&root);
    let hard = &records["John Williams/Star Wars (Original Motion Picture Soundtrack)/04 The Desert and the Robot Auction.flac"];
    assert_eq!(hard["status"], "failed");
    assert!(hard["error"].as_str().unwrap().contains("hard links"), "{hard}");
    assert_eq!(fs::read(album.join("04 The Desert and the Robot Auction.flac")).unwrap(), hard_before);

    // With -L the target is edited and the link is still a link.
    let run = tag(&root, &journal, &["-L"]);
    let link = album.join("03 Princess Leia's Theme.flac");
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced\n{run}");
    let scanned = scan_jsonl(&outside, &[]);
    let target = scanned.records().into_iter().find(|r| r["path"].as_str().unwrap().ends_with("03.flac")).unwrap();
    assert_eq!(target["tags"]["grouping"], "Original Score", "the link's target was not tagged\n{run}");
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let name = std::ffi::CString::new(name).unwrap();
    // SAFETY: NUL-terminated path and name; the value outlives the call.
    let rc = unsafe { libc::setxattr(path.as_ptr(), name.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let name = std::ffi::CString::new(name).unwrap();
    let mut buffer = vec![0u8; 4096];
    // SAFETY: NUL-terminated path and name; the buffer's size is passed with it.
    let got = unsafe { libc::getxattr(path.as_ptr(), name.as_ptr(), buffer.as_mut_ptr().cast(), buffer.len()) };
    let got = usize::try_from(got).ok()?;
    buffer.truncate(got);
    Some(buffer)
}

/// A written file keeps its extended attributes (desktop tags, ratings), and so
/// does a file undo restores.
#[test]
fn extended_attributes_survive_writes_and_undo() {
    let (_dir, root, journal) = library();
    let file = root.join("John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac");
    match set_xattr(&file, "user.xdg.tags", b"favourite") {
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => {
            eprintln!("skipped: the temp folder's file system has no user extended attributes");
            return;
        }
        other => other.unwrap(),
    }
    let before = fs::read(&file).unwrap();
    let tags_before = tags_by_path(&root);
    let run = tag(&root, &journal, &[]);
    run.assert_code(0);
    let after = fs::read(&file).unwrap();
    assert_ne!(after, before, "the file was rewritten\n{run}");
    assert_eq!(get_xattr(&file, "user.xdg.tags").as_deref(), Some(&b"favourite"[..]), "{run}");
    let undo: Run = reeltag().args(["undo", "--journal"]).arg(&journal).output().unwrap().into();
    undo.assert_code(0);
    assert_ne!(fs::read(&file).unwrap(), after, "undo rewrote the file\n{undo}");
    assert_eq!(tags_by_path(&root), tags_before, "undo restored the values");
    assert_eq!(get_xattr(&file, "user.xdg.tags").as_deref(), Some(&b"favourite"[..]), "{undo}");
}

/// More files than the writer's queue holds: reading, printing and writing
/// wait on each other, and must never wait in a circle.
#[test]
fn a_full_write_queue_does_not_stall_the_run() {
    let (dir, root, journal) = library_copies(3);
    let out = dir.path().join("out.jsonl");
    let err = dir.path().join("err.txt");
    let status = crate::util::run_with_limit(
        reeltag()
            .arg("tag")
            .arg(&root)
            .args(["--format", "jsonl", "-j", "2", "--journal"])
            .arg(&journal)
            .env("REELTAG_WRITE_BATCH", "2")
            .stdout(fs::File::create(&out).unwrap())
            .stderr(fs::File::create(&err).unwrap()),
        Duration::from_secs(120),
        "reeltag tag with a full write queue",
    );
    let run = Run { code: status.code(), stdout: String::new(), stderr: fs::read_to_string(&err).unwrap() };
    run.assert_code(0);
    assert_eq!(crate::util::summary_count(&run.stderr, "written"), Some(99), "{run}");
    assert_eq!(fs::read_to_string(&out).unwrap().lines().count(), 132);
}
