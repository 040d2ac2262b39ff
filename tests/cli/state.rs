//! The state file: a re-run reads only what changed, and gives the same
//! report as a fresh read; a damaged, foreign or busy state file is handled.

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use lofty::config::WriteOptions;
use lofty::prelude::*;

use crate::util::*;

fn scan_with_state(root: &Path, state: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["--state", state.to_str().expect("UTF-8 temp path")];
    args.extend(extra);
    scan_jsonl(root, &args)
}

fn unchanged(run: &Run) -> usize {
    summary_count(&run.stderr, "unchanged").unwrap_or_else(|| panic!("no \"N unchanged\" on stderr\n{run}"))
}

fn set_title(path: &Path, title: &str) {
    let mut file = lofty::read_from_path(path).expect("read the copy");
    let tag = file.primary_tag_mut().expect("the fixture has a tag");
    tag.set_title(title.to_string());
    file.save_to_path(path, WriteOptions::default()).expect("write the copy");
}

fn library_copy() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = temp();
    let root = dir.path().join("library");
    copy_dir(&fixtures().join("library"), &root);
    let state = dir.path().join("state").join("state.sqlite");
    (dir, root, state)
}

#[test]
fn a_rerun_reads_nothing_and_reports_the_same() {
    let (_dir, root, state) = library_copy();
    let first = scan_with_state(&root, &state, &[]);
    first.assert_code(0);
    assert_eq!(unchanged(&first), 0, "{first}");
    let second = scan_with_state(&root, &state, &[]);
    second.assert_code(0);
    let files = second.records().len();
    assert_eq!(unchanged(&second), files, "every file comes from the state file\n{second}");
    assert_eq!(first.stdout, second.stdout, "the same report, byte for byte");
    let no_state = scan_jsonl(&root, &["--no-state"]);
    assert_eq!(no_state.stdout, second.stdout, "the same as a run without a state file");
    for format in ["csv", "table"] {
        let fresh = scan([root.as_os_str(), "--no-state".as_ref(), "--format".as_ref(), format.as_ref()]);
        let cached =
            scan([root.as_os_str(), "--state".as_ref(), state.as_os_str(), "--format".as_ref(), format.as_ref()]);
        assert_eq!(fresh.stdout, cached.stdout, "{format} from the state file");
    }
}

#[test]
fn a_changed_added_or_removed_file_is_noticed() {
    let (_dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    let star_wars = root.join("John Williams/Star Wars (Original Motion Picture Soundtrack)");
    let changed = star_wars.join("01 Main Title.flac");
    assert!(changed.exists(), "fixture moved? {}", changed.display());
    set_title(&changed, "Main Title (edited)");
    let added = copy_fixture("formats/id3v24.mp3", &root.join("New Album"), "01 New.mp3");
    let removed = root.join("Daft Punk/Random Access Memories").read_dir().unwrap().next().unwrap().unwrap().path();
    fs::remove_file(&removed).unwrap();

    let rerun = scan_with_state(&root, &state, &[]);
    rerun.assert_code(0);
    let fresh = scan_jsonl(&root, &["--no-state"]);
    assert_eq!(rerun.stdout, fresh.stdout, "the re-run reports what a fresh read does");
    let records = rerun.by_path(&root);
    let rel = |p: &Path| relative(&root, p.to_str().unwrap());
    assert_eq!(tag(&records[&rel(&changed)], "title"), "Main Title (edited)");
    assert!(records.contains_key(&rel(&added)), "the added file is read");
    assert!(!records.contains_key(&rel(&removed)), "the removed file is gone");
    let total = records.len();
    let cached = unchanged(&rerun);
    assert!(cached < total && cached > total / 2, "most files come from the state file: {cached} of {total}\n{rerun}");
}

#[test]
fn an_edit_that_restores_the_mtime_is_noticed() {
    let (_dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    let file = root.join("John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac");
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    set_title(&file, "Sneaky edit");
    fs::File::options().write(true).open(&file).unwrap().set_modified(mtime).unwrap();
    assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), mtime, "mtime restored");
    let rerun = scan_with_state(&root, &state, &[]);
    let records = rerun.by_path(&root);
    assert_eq!(tag(&records[&relative(&root, file.to_str().unwrap())], "title"), "Sneaky edit", "ctime catches it");
}

#[test]
fn no_cache_reads_every_file() {
    let (_dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    let forced = scan_with_state(&root, &state, &["--no-cache"]);
    forced.assert_code(0);
    assert_eq!(unchanged(&forced), 0, "{forced}");
}

#[test]
fn new_rules_remake_the_decisions_without_a_read() {
    let (dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    let config = dir.path().join("rules.toml");
    fs::write(&config, "[[rule]]\nalbum = \"Random Access Memories\"\nrole = \"score\"\n").unwrap();
    let config = config.to_str().unwrap();
    let rerun = scan_with_state(&root, &state, &["--config", config]);
    rerun.assert_code(0);
    assert_eq!(unchanged(&rerun), rerun.records().len(), "no file is read again\n{rerun}");
    let fresh = scan_jsonl(&root, &["--no-state", "--config", config]);
    assert_eq!(rerun.stdout, fresh.stdout, "the rule applies as in a fresh run");
    assert!(rerun.stdout.contains("user rule"), "{rerun}");
}

#[test]
fn a_damaged_or_foreign_state_file_is_moved_aside_and_rebuilt() {
    for (what, bytes) in [("garbage", b"this is not a database at all, just text\n".repeat(200)), ("empty", Vec::new())]
    {
        let (dir, root, state) = library_copy();
        fs::create_dir_all(state.parent().unwrap()).unwrap();
        fs::write(&state, &bytes).unwrap();
        let run = scan_with_state(&root, &state, &[]);
        run.assert_code(0);
        if what == "garbage" {
            assert!(run.stderr.contains("moved it to"), "{what}: says so\n{run}");
            let aside: Vec<_> = fs::read_dir(state.parent().unwrap())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".bad-"))
                .collect();
            assert!(!aside.is_empty(), "the bad file is kept aside");
        }
        let rerun = scan_with_state(&root, &state, &[]);
        assert_eq!(unchanged(&rerun), rerun.records().len(), "{what}: the new state file works\n{rerun}");
        drop(dir);
    }
    // Another program's SQLite database is never used, nor destroyed.
    let (_dir, root, state) = library_copy();
    fs::create_dir_all(state.parent().unwrap()).unwrap();
    let other = rusqlite::Connection::open(&state).unwrap();
    other.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');").unwrap();
    drop(other);
    let run = scan_with_state(&root, &state, &[]);
    run.assert_code(0);
    assert!(run.stderr.contains("another program"), "{run}");
    let aside = fs::read_dir(state.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.to_string_lossy();
            name.contains(".bad-") && !name.ends_with("-wal") && !name.ends_with("-shm")
        })
        .expect("moved aside");
    let kept: String =
        rusqlite::Connection::open(&aside).unwrap().query_row("SELECT text FROM notes", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, "keep me");
}

#[test]
fn an_older_format_is_replaced_and_a_newer_one_kept_aside() {
    let (_dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    let set_version = |version: i32| {
        let conn = rusqlite::Connection::open(&state).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {version}")).unwrap();
    };
    let leftovers = || {
        fs::read_dir(state.parent().unwrap())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".bad-"))
            .count()
    };
    set_version(1);
    let run = scan_with_state(&root, &state, &[]);
    run.assert_code(0);
    assert!(run.stderr.contains("older reeltag"), "{run}");
    assert_eq!(unchanged(&run), 0, "nothing is trusted from the old file\n{run}");
    assert_eq!(leftovers(), 0, "an outdated cache is not kept");
    let rerun = scan_with_state(&root, &state, &[]);
    assert_eq!(unchanged(&rerun), rerun.records().len(), "the new file works\n{rerun}");
    // A newer reeltag's file may be wanted again by that reeltag: kept aside.
    set_version(99);
    let run = scan_with_state(&root, &state, &[]);
    assert!(run.stderr.contains("moved it to"), "{run}");
    assert_eq!(leftovers(), 1);
}

#[test]
fn a_second_run_waits_for_the_first() {
    let (_dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    let mut lock_name = state.as_os_str().to_owned();
    lock_name.push(".lock");
    let lock = fs::File::options().write(true).open(&lock_name).expect("the lock file exists");
    lock.lock().expect("take the lock as another run would");
    let child = reeltag()
        .args(["scan", "--format", "jsonl", "--state"])
        .arg(&state)
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start reeltag");
    std::thread::sleep(Duration::from_millis(500));
    let mut child = child;
    assert!(child.try_wait().unwrap().is_none(), "it waits while the state file is held");
    lock.unlock().unwrap();
    let run: Run = child.wait_with_output().unwrap().into();
    run.assert_code(0);
    assert!(run.stderr.contains("waiting for it to finish"), "it says why it waited\n{run}");
    assert_eq!(unchanged(&run), run.records().len(), "{run}");
}

#[test]
fn a_scan_of_one_album_keeps_the_rest_of_the_state() {
    let (_dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    let one = root.join("Daft Punk/Random Access Memories");
    let partial = scan_with_state(&one, &state, &[]);
    assert_eq!(unchanged(&partial), partial.records().len(), "{partial}");
    let whole = scan_with_state(&root, &state, &[]);
    assert_eq!(unchanged(&whole), whole.records().len(), "the other albums stay stored\n{whole}");
}

fn stats_json(root: &Path, state: &Path) -> (serde_json::Value, Run) {
    let run: Run = reeltag()
        .args(["stats", "--format", "jsonl", "--state"])
        .arg(state)
        .arg(root)
        .output()
        .expect("run reeltag stats")
        .into();
    let value = serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("stats JSON ({e})\n{run}"));
    (value, run)
}

#[test]
fn stats_count_the_library_and_come_from_the_state_file() {
    let (_dir, root, state) = library_copy();
    let (first, run) = stats_json(&root, &state);
    run.assert_code(0);
    assert_eq!(first["files"], 44, "{run}");
    assert_eq!(
        first["by_role"]["score"].as_u64().unwrap()
            + first["by_role"]["song"].as_u64().unwrap()
            + first["by_role"]["none"].as_u64().unwrap(),
        44
    );
    assert_eq!(first["by_format"]["mp3"], 24, "{run}");
    assert_eq!(first["problems"]["missing_album"], 0);
    let (second, rerun) = stats_json(&root, &state);
    assert_eq!(first, second);
    assert_eq!(unchanged(&rerun), 44, "counted from the state file\n{rerun}");
}

#[test]
fn stats_find_problems() {
    let dir = temp();
    let root = dir.path().join("lib");
    let mixed = root.join("Mixed");
    copy_fixture("formats/id3v23.mp3", &mixed, "01.mp3");
    copy_fixture("formats/id3v24.mp3", &mixed, "02.mp3");
    let loose = root.join("Loose");
    let untitled = copy_fixture("formats/sample.flac", &loose, "x.flac");
    let mut file = lofty::read_from_path(&untitled).unwrap();
    let tag = file.primary_tag_mut().unwrap();
    tag.remove_album();
    tag.remove_track();
    file.save_to_path(&untitled, WriteOptions::default()).unwrap();
    write_file(&loose, "broken.flac", b"fLaC but nothing else");
    let (stats, run) = stats_json(&root, &dir.path().join("state.sqlite"));
    run.assert_code(1);
    assert_eq!(stats["by_id3v2_version"]["2.3"], 1, "{stats}");
    assert_eq!(stats["by_id3v2_version"]["2.4"], 1, "{stats}");
    let problems = &stats["problems"];
    assert_eq!(problems["folders_with_mixed_id3v2_versions"], 1, "{stats}");
    assert_eq!(problems["missing_album"], 1, "{stats}");
    assert_eq!(problems["missing_track_number"], 1, "{stats}");
    assert_eq!(problems["unreadable"], 1, "{stats}");
}

fn tag_run(root: &Path, state: &Path, journal: &Path, extra: &[&str]) -> Run {
    reeltag()
        .args(["tag", "--format", "jsonl", "--state"])
        .arg(state)
        .arg("--journal")
        .arg(journal)
        .args(extra)
        .arg(root)
        .output()
        .expect("run reeltag tag")
        .into()
}

fn from_state(run: &Run) -> usize {
    summary_count(&run.stderr, "read").unwrap_or_else(|| panic!("no \"N read from the state file\"\n{run}"))
}

#[test]
fn tag_reuses_its_reads_and_notices_its_own_writes_and_undo() {
    let (dir, root, state) = library_copy();
    let journal = dir.path().join("journal");
    let first = tag_run(&root, &state, &journal, &[]);
    first.assert_code(0);
    let files = first.records().len();
    assert!(first.stderr.contains(" written"), "{first}");
    // The files it wrote are stored as written: the next run reads none of them.
    let again = tag_run(&root, &state, &journal, &["--dry-run"]);
    again.assert_code(0);
    assert_eq!(from_state(&again), files, "{again}");
    assert!(again.records().iter().all(|r| r["changes"] == serde_json::json!([])), "nothing left to change\n{again}");
    let fresh = tag_run(&root, &state, &journal, &["--dry-run", "--no-cache"]);
    assert_eq!(fresh.stdout, again.stdout, "the stored values are what the files hold");
    // undo rewrites the files behind the state file's back: their keys change.
    let undo: Run = reeltag().args(["undo", "--journal"]).arg(&journal).output().unwrap().into();
    undo.assert_code(0);
    let after_undo = tag_run(&root, &state, &journal, &["--dry-run"]);
    let planned = after_undo.records().iter().filter(|r| r["changes"] != serde_json::json!([])).count();
    assert_eq!(planned, summary_count(&first.stderr, "written").unwrap(), "undone files are read again\n{after_undo}");
    let fresh = tag_run(&root, &state, &journal, &["--dry-run", "--no-cache"]);
    assert_eq!(fresh.stdout, after_undo.stdout);
}

/// How many folders the state file holds scan rows for (one blob each).
fn stored_chunks(state: &Path) -> i64 {
    let conn = rusqlite::Connection::open(state).expect("open the state file");
    conn.query_row("SELECT count(*) FROM files", [], |r| r.get(0)).expect("count rows")
}

#[test]
fn a_removed_folder_is_forgotten() {
    let (_dir, root, state) = library_copy();
    let first = scan_with_state(&root, &state, &[]);
    let before = stored_chunks(&state);
    let album = root.join("Daft Punk/Random Access Memories");
    let audio_in_album = first.records().iter().filter(|r| path_of(r).starts_with(album.to_str().unwrap())).count();
    assert!(audio_in_album > 0);
    fs::remove_dir_all(&album).unwrap();
    let rerun = scan_with_state(&root, &state, &[]);
    assert_eq!(unchanged(&rerun), rerun.records().len(), "the other albums come from the state file\n{rerun}");
    let after = stored_chunks(&state);
    assert_eq!(after, before - 1, "the removed album's rows are dropped");
}

#[test]
fn a_new_store_appears_whole_and_a_leftover_build_is_cleared() {
    let (_dir, root, state) = library_copy();
    let mut building = state.as_os_str().to_owned();
    building.push(".building");
    fs::create_dir_all(state.parent().unwrap()).unwrap();
    fs::write(&building, b"what a killed run left").unwrap();
    let first = scan_with_state(&root, &state, &[]);
    first.assert_code(0);
    assert!(state.is_file(), "the store is in place");
    assert!(!Path::new(&building).exists(), "the leftover build is gone");
    let second = scan_with_state(&root, &state, &[]);
    assert_eq!(unchanged(&second), second.records().len(), "{second}");
    assert_eq!(page_size(&state), 65536, "a new store has SQLite's largest pages");
}

fn page_size(state: &Path) -> i64 {
    let conn = rusqlite::Connection::open(state).expect("open the state file");
    conn.query_row("PRAGMA page_size", [], |r| r.get(0)).expect("page size")
}

#[test]
fn a_store_with_small_pages_still_serves_and_updates() {
    // Stores written before the 64 KiB pages have 4 KiB ones; they stay valid.
    let (_dir, root, state) = library_copy();
    scan_with_state(&root, &state, &[]).assert_code(0);
    {
        let conn = rusqlite::Connection::open(&state).expect("open the state file");
        conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM;").expect("repage");
    }
    assert_eq!(page_size(&state), 4096);
    let rerun = scan_with_state(&root, &state, &[]);
    rerun.assert_code(0);
    assert_eq!(unchanged(&rerun), rerun.records().len(), "{rerun}");
    let album = root.join("Daft Punk/Random Access Memories");
    let removed = fs::read_dir(&album).unwrap().next().unwrap().unwrap().path();
    fs::remove_file(&removed).unwrap();
    let after = scan_with_state(&root, &state, &[]);
    after.assert_code(0);
    assert_eq!(after.stdout, scan_jsonl(&root, &["--no-state"]).stdout, "the updated store matches fresh reads");
    assert_eq!(page_size(&state), 4096, "an existing store keeps its pages");
}

#[test]
fn a_first_run_killed_at_any_moment_leaves_no_store_or_a_whole_one() {
    let (_dir, root, state) = library_copy();
    let fresh = scan_jsonl(&root, &["--no-state"]);
    for delay_ms in [0, 2, 5, 10, 20, 40] {
        let _ = fs::remove_file(&state);
        let mut child = reeltag()
            .args(["scan", "--format", "jsonl", "-q", "--state"])
            .arg(&state)
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start reeltag");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let existed = state.exists();
        let after = scan_with_state(&root, &state, &[]);
        after.assert_code(0);
        assert_eq!(after.stdout, fresh.stdout, "killed after {delay_ms} ms: the next run reports what the files hold");
        if !existed {
            assert_eq!(unchanged(&after), 0, "no store: every file is read");
        }
    }
}
