//! The write path over the third-party corpus (../shared/corpus), on copies:
//! `reeltag tag` runs on every file, and each one is either written (the
//! planned values read back, the audio bytes are those of the original, a
//! second run plans nothing more) or refused with a clear error and left
//! byte-identical. Prints how many files went each way, refusals by kind.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Cursor;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use reeltag::fields::FIELDS;
use reeltag::native::NativeFile;
use reeltag::native::region::audio_region;

use crate::util::{copy_dir, reeltag, relative, run_with_limit, temp};

const TIME_LIMIT: Duration = Duration::from_secs(300);

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    path.is_dir().then_some(path)
}

/// Every regular file under `dir`, by '/'-separated path relative to `root`.
fn files(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("list {}: {e}", dir.display())) {
        let entry = entry.expect("a folder entry");
        let path = entry.path();
        let file_type = entry.file_type().expect("file type");
        if file_type.is_dir() {
            files(root, &path, out);
        } else if file_type.is_file() {
            let bytes = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            out.insert(relative(root, &path.to_string_lossy()), bytes);
        }
    }
}

/// Runs `reeltag tag ROOT ARGS...` with a time limit; returns the JSON records by path.
fn tag(root: &Path, out_dir: &Path, name: &str, args: &[&str]) -> (Option<i32>, BTreeMap<String, Value>) {
    let stdout_path = out_dir.join(format!("{name}.jsonl"));
    let stderr_path = out_dir.join(format!("{name}.stderr"));
    // stdout and stderr go to files: a pipe could fill and stall the child.
    let status = run_with_limit(
        reeltag()
            .arg("tag")
            .arg(root)
            .args(["--format", "jsonl", "--threads", "2", "--journal"])
            .arg(out_dir.join("journal"))
            .args(args)
            .stdout(File::create(&stdout_path).expect("create stdout file"))
            .stderr(File::create(&stderr_path).expect("create stderr file")),
        TIME_LIMIT,
        "reeltag tag over the corpus",
    );
    let stderr = String::from_utf8_lossy(&fs::read(&stderr_path).expect("read stderr")).into_owned();
    assert!(status.code().is_some(), "reeltag was killed by a signal ({status:?}); stderr:\n{stderr}");
    assert!(!stderr.contains("panicked at"), "a panic reached stderr:\n{stderr}");
    let stdout = fs::read_to_string(&stdout_path).expect("stdout is UTF-8");
    let mut records = BTreeMap::new();
    for line in stdout.lines() {
        let record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let rel = relative(root, record["path"].as_str().expect("a path"));
        assert!(records.insert(rel.clone(), record).is_none(), "{rel} reported twice");
    }
    (status.code(), records)
}

/// A change's typed JSON value back as the raw strings the native layer reads.
fn raw(value: &Value) -> Vec<String> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(values) => values.iter().map(|v| v.as_str().expect("list of strings").to_string()).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Bool(b) => vec![if *b { "1" } else { "0" }.to_string()],
        Value::Object(_) => panic!("a change value is never an object: {value}"),
    }
}

/// A refusal's kind, for the summary: the cause without file-specific detail.
fn kind(error: &str) -> String {
    let known = [
        ("crashed", "lofty panicked (caught)"),
        ("did not finish within", "parse timed out"),
        ("limit for tag writes", "too large"),
        ("reads back as", "value does not read back"),
        ("audio changed", "audio would change"),
        ("ID3v2.3", "ID3v2.3 cannot keep frames"),
    ];
    let (stage, message) = error.split_once(": ").unwrap_or(("?", error));
    if let Some((_, name)) = known.iter().find(|(needle, _)| message.contains(needle)) {
        return format!("{stage}: {name}");
    }
    // lofty's cause chain: "failed to parse Flac file: <why>" -> keep the first two parts.
    let brief: Vec<&str> = message.split(" (").next().unwrap_or(message).splitn(3, ": ").take(2).collect();
    format!("{stage}: {}", brief.join(": "))
}

#[test]
fn every_corpus_file_is_written_and_verified_or_refused_untouched() {
    let Some(corpus) = corpus() else {
        eprintln!("skipped: no corpus at CARGO_MANIFEST_DIR/../shared/corpus");
        return;
    };
    let dir = temp();
    let root = dir.path().join("corpus");
    copy_dir(&corpus, &root);
    // The corpus's own documentation is not part of the test.
    for doc in ["README.md", "MANIFEST.tsv", "DUPLICATES.tsv", "mutagen-read.tsv"] {
        let _ = fs::remove_file(root.join(doc));
    }
    let mut before = BTreeMap::new();
    files(&root, &root, &mut before);
    // Some corpus files are read-only; the copies need not be, so that every
    // file reaches the writer (read-only files are tested in tests/hostile.rs).
    for rel in before.keys() {
        fs::set_permissions(root.join(rel), fs::Permissions::from_mode(0o644)).expect("chmod a copy");
    }
    // Most corpus files say nothing of soundtracks and would plan no change:
    // rules make every file score or song, so every audio file gets a write.
    let config = dir.path().join("config.toml");
    fs::write(
        &config,
        "[[rule]]\npath = \"**/taglib/**\"\nrole = \"song\"\n\n[[rule]]\npath = \"**\"\nrole = \"score\"\n",
    )
    .expect("write the config");

    let started = Instant::now();
    let config_args = ["--config", config.to_str().expect("a UTF-8 temp path")];
    let (code, records) = tag(&root, dir.path(), "tag", &config_args);
    let elapsed = started.elapsed();
    assert!(matches!(code, Some(0 | 1)), "exit {code:?}");

    let mut after = BTreeMap::new();
    files(&root, &root, &mut after);
    let temps: Vec<&String> = after.keys().filter(|p| p.contains(".reeltag-tmp")).collect();
    assert!(temps.is_empty(), "temporary files left: {temps:#?}");
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "files appeared or vanished");

    let (mut written, mut unchanged, mut skipped, mut audio_compared) = (0, 0, 0, 0);
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut written_paths = Vec::new();
    for (rel, old) in &before {
        let new = &after[rel];
        let Some(record) = records.get(rel) else {
            // Not audio: passed over without being touched.
            assert!(old == new, "{rel}: a skipped file changed");
            skipped += 1;
            continue;
        };
        match record["status"].as_str() {
            Some("written") => {
                let native = NativeFile::read_from(&mut Cursor::new(new))
                    .unwrap_or_else(|e| panic!("{rel}: the written file does not re-read: {e}"));
                for change in record["changes"].as_array().expect("changes") {
                    let name = change["field"].as_str().expect("field name");
                    let spec = FIELDS.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("field {name}"));
                    assert_eq!(native.get(spec.field), raw(&change["new"]), "{rel}: {name} as planned");
                }
                if let Some((_, audio)) = audio_region(old) {
                    let (_, new_audio) =
                        audio_region(new).unwrap_or_else(|| panic!("{rel}: the audio is no longer found"));
                    assert!(audio == new_audio, "{rel}: the audio bytes changed");
                    audio_compared += 1;
                }
                written += 1;
                written_paths.push(rel.clone());
            }
            Some("unchanged") => {
                assert!(old == new, "{rel}: an unchanged file changed");
                unchanged += 1;
            }
            Some("failed") => {
                assert!(old == new, "{rel}: a refused file changed");
                let error = record["error"].as_str().unwrap_or_default();
                // "<stage>: <what went wrong> (<what to do>)"
                assert!(error.contains(": ") && error.ends_with(')'), "{rel}: an unclear error: {error}");
                *refused.entry(kind(error)).or_default() += 1;
            }
            other => panic!("{rel}: unexpected status {other:?}: {record}"),
        }
    }

    // Written files are now as planned: a second run plans no further change.
    let (_, again) = tag(&root, dir.path(), "again", &[&config_args[..], &["--dry-run"]].concat());
    let replanned: Vec<String> = written_paths
        .iter()
        .filter(|rel| again[*rel]["changes"].as_array().is_none_or(|c| !c.is_empty()))
        .map(|rel| format!("{rel}: {}", again[rel]["changes"]))
        .collect();
    assert!(replanned.is_empty(), "written files that plan more changes:\n{}", replanned.join("\n"));

    let refused_total: usize = refused.values().sum();
    eprintln!(
        "corpus write: {} files tried in {:.1} s: {written} written ({audio_compared} with the audio compared byte \
         for byte, the rest by audio properties), {unchanged} unchanged, {refused_total} refused, {skipped} not audio",
        before.len(),
        elapsed.as_secs_f64()
    );
    for (kind, count) in &refused {
        eprintln!("  refused {count:>4}  {kind}");
    }
    assert_eq!(written + unchanged + refused_total + skipped, before.len());
    assert!(written > 0, "nothing was written");
}
