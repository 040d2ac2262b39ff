//! Robustness over the third-party corpus (../shared/corpus): hundreds of
//! real, odd and deliberately broken files. reeltag must never crash or hang,
//! must print one valid JSON record per audio file, and must name every path.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{path_of, reeltag, relative, run_with_limit, summary_count, temp};

const TIME_LIMIT: Duration = Duration::from_secs(120);

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    path.is_dir().then_some(path)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Every file under `dir` (not following links) that lofty knows by its
/// extension, skipping hidden files and folders as the scanner does.
fn audio_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("list {}: {e}", dir.display())) {
        let entry = entry.expect("a folder entry");
        if is_hidden(&entry.file_name()) {
            continue;
        }
        let file_type = entry.file_type().expect("file type");
        let path = entry.path();
        if file_type.is_dir() {
            audio_files(&path, out);
        } else if file_type.is_file() {
            let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if ext.is_some_and(|ext| lofty::file::EXTENSIONS.contains(&ext.as_str())) {
                out.push(path);
            }
        }
    }
}

#[test]
fn the_corpus_never_crashes_or_hangs_and_every_audio_file_is_reported() {
    let Some(corpus) = corpus() else {
        eprintln!("skipped: no corpus at CARGO_MANIFEST_DIR/../shared/corpus");
        return;
    };

    // stdout and stderr go to files: a pipe could fill and stall the child.
    let out_dir = temp();
    let stdout_path = out_dir.path().join("stdout.jsonl");
    let stderr_path = out_dir.path().join("stderr.txt");
    let started = Instant::now();
    let status = run_with_limit(
        reeltag()
            .arg("scan")
            .arg(&corpus)
            .args(["--format", "jsonl", "--threads", "2"])
            .stdout(File::create(&stdout_path).expect("create stdout file"))
            .stderr(File::create(&stderr_path).expect("create stderr file")),
        TIME_LIMIT,
        "reeltag scan over the corpus",
    );
    let elapsed = started.elapsed();
    let stdout = fs::read_to_string(&stdout_path).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&fs::read(&stderr_path).expect("read stderr")).into_owned();
    let tail: String = stderr.lines().rev().take(20).collect::<Vec<_>>().join("\n");

    assert!(status.code().is_some(), "reeltag was killed by a signal ({status:?}); stderr tail:\n{tail}");
    assert!(matches!(status.code(), Some(0 | 1)), "exit {status:?}; stderr tail:\n{tail}");
    assert!(!stderr.contains("panicked at"), "a panic reached stderr:\n{tail}");

    let mut reported = BTreeSet::new();
    let (mut read, mut errors) = (0usize, 0usize);
    for (n, line) in stdout.lines().enumerate() {
        let record: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: not JSON ({e}): {line}", n + 1));
        let rel = relative(&corpus, path_of(&record));
        match (record.get("tags"), record.get("error")) {
            (Some(tags), None) => {
                assert!(tags.is_object(), "{rel}: tags is an object: {line}");
                assert!(record["format"].is_string(), "{rel}: {line}");
                read += 1;
            }
            (None, Some(error)) => {
                let message = error.as_str().unwrap_or_default();
                assert!(!message.trim().is_empty(), "{rel}: an empty error: {line}");
                errors += 1;
            }
            _ => panic!("{rel}: a record has either \"tags\" or \"error\": {line}"),
        }
        assert!(reported.insert(rel.clone()), "{rel} reported twice");
    }

    let mut expected = Vec::new();
    audio_files(&corpus, &mut expected);
    let expected: BTreeSet<String> = expected.iter().map(|p| relative(&corpus, &p.to_string_lossy())).collect();
    let missing: Vec<&String> = expected.difference(&reported).collect();
    assert!(missing.is_empty(), "{} audio files not reported: {missing:#?}", missing.len());

    assert_eq!(status.code() == Some(0), errors == 0, "exit 1 exactly when some files failed");
    if let Some(failed) = summary_count(&stderr, "failed") {
        assert_eq!(failed, errors, "the summary counts the error records:\n{tail}");
    }
    eprintln!(
        "corpus: {} records ({read} read, {errors} errors), {} audio-extension files expected, exit {:?}, {:.1} s",
        read + errors,
        expected.len(),
        status.code(),
        elapsed.as_secs_f64()
    );
}
