//! bytes → native tags → the planner → a write into an in-memory copy →
//! re-read: the planned values read back and the audio bytes are unchanged,
//! or the write is refused with an error. Must never panic.
//!
//! The first byte picks the role and the ID3v2/grouping options; the rest is
//! the file. With `REELTAG_FUZZ_RAW=1` the panic guard is off, to see
//! lofty's own panics.

#![no_main]

use std::io::Cursor;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use reeltag::apply::write_in_memory;
use reeltag::classify::Role;
use reeltag::error::FileError;
use reeltag::fields::FIELDS;
use reeltag::native::region::audio_region;
use reeltag::native::{GroupingFrame, Id3Policy, NativeFile, NativeOptions};
use reeltag::plan::{Change, PlanInput, PlanOptions, Values, plan_album};

const PATH: &str = "fuzz/input";

/// Runs one step the way the tag command does (panics caught), or bare.
fn step<T>(f: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    if std::env::var_os("REELTAG_FUZZ_RAW").is_some() {
        reeltag::read::configure_thread();
        f()
    } else {
        reeltag::read::guarded(Path::new(PATH), f)
    }
}

fn read(bytes: &[u8], pictures: bool) -> Result<NativeFile, FileError> {
    let mut cursor = Cursor::new(bytes);
    let read = if pictures { NativeFile::read_from(&mut cursor) } else { NativeFile::read_for_planning(&mut cursor) };
    read.map_err(|e| FileError::new(Path::new(PATH), reeltag::error::Stage::Read, &e))
}

fn values(native: &NativeFile) -> Values {
    FIELDS.iter().map(|s| (s.field, native.get(s.field))).collect()
}

fn plan(values: &Values, role: Role) -> Vec<Change> {
    let input = PlanInput { path: Path::new(PATH), values, role };
    plan_album(&[input], &PlanOptions::default()).pop().expect("one plan per track")
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else { return };
    let role = [Role::Score, Role::Song, Role::None][usize::from(selector % 3)];
    let options = NativeOptions {
        id3: [Id3Policy::Keep, Id3Policy::V23, Id3Policy::V24][usize::from(selector / 3 % 3)],
        grouping_frame: [GroupingFrame::Tit1, GroupingFrame::Grp1, GroupingFrame::Both][usize::from(selector / 9 % 3)],
    };
    let Ok(before) = step(|| read(file, false).map(|native| values(&native))) else { return };
    let changes = plan(&before, role);
    if changes.is_empty() {
        return;
    }
    let Ok(written) = step(|| write_in_memory(Path::new(PATH), file, &changes, &options)) else { return };

    // Accepted: the copy re-reads with every planned value...
    let after = step(|| read(&written, true)).unwrap_or_else(|e| panic!("a written file does not re-read: {e}"));
    for change in &changes {
        assert_eq!(after.get(change.field), change.new, "{change:?}");
    }
    // ...the audio bytes are those of the original...
    if let Some((_, audio)) = audio_region(file) {
        let (_, written_audio) = audio_region(&written).expect("the written file's audio is still found");
        assert!(audio == written_audio, "the audio bytes changed");
    }
    // ...and planning again changes nothing.
    let again = plan(&values(&after), role);
    assert!(again.is_empty(), "a second plan is not empty: {again:?}");
});
