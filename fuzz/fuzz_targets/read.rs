//! bytes → the scan's read path → a classified track record. Must never panic.
//!
//! The first byte picks the file name's extension (lofty falls back to it
//! when the content names no format); the rest is the file. With
//! `REELTAG_FUZZ_RAW=1` the panic guard is off, to see lofty's own panics.

#![no_main]

use std::io::Cursor;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use reeltag::read::{ReadOutcome, configure_thread, read_track_from, read_track_unguarded};

const EXTENSIONS: &[&str] =
    &["", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aiff", ".ape", ".wv", ".mpc", ".aac", ".spx"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else { return };
    let path = PathBuf::from(format!("fuzz-input{}", EXTENSIONS[usize::from(selector) % EXTENSIONS.len()]));
    let mut reader = Cursor::new(file);
    if std::env::var_os("REELTAG_FUZZ_RAW").is_some() {
        configure_thread();
        if let Ok(Some(track)) = read_track_unguarded(&path, &mut reader) {
            check(&track);
        }
        return;
    }
    match read_track_from(&path, &mut reader) {
        ReadOutcome::Track(track) => check(&track),
        ReadOutcome::Failed(err) => {
            // Every per-file error names the file and says what went wrong.
            let text = err.to_string();
            assert!(text.contains("fuzz-input") && text.len() > path.as_os_str().len() + 2, "{text}");
        }
        ReadOutcome::NotAudio => {}
    }
});

/// The rest of a scan's work on the track: it is classified and its record serializes.
fn check(track: &reeltag::track::Track) {
    assert!(!track.format.is_empty());
    let decisions = reeltag::decide_all(std::slice::from_ref(track), &reeltag::rules::Rules::default());
    assert_eq!(decisions.len(), 1);
    serde_json::to_string(&track.tags).expect("tags serialize");
}
