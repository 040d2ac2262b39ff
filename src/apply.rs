//! Stage 6: write a planned change into one file, so that no crash, Ctrl-C
//! or full disk can damage it.
//!
//! lofty writes in place (truncating and rewriting, or shifting bytes), so
//! reeltag never lets it touch the original: it copies the file to a
//! temporary file in the same folder, writes the tags there, fsyncs, re-reads
//! it to check the tags are as planned and the audio unchanged, records the
//! old values in the journal (fsynced), renames the copy over the original
//! and fsyncs the folder. At every instant the original path holds either
//! the whole old file or the whole new one.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{FileError, Stage};
use crate::journal::{Entry, Journal, JournalChange, Stamp, sync_dir};
use crate::native::{NativeFile, NativeOptions};
use crate::plan::Change;
use crate::walk::TEMP_MARKER;

/// How to write.
#[derive(Debug)]
pub struct ApplyOptions {
    pub native: NativeOptions,
    /// Give the new file the original's modification time.
    pub preserve_mtime: bool,
}

fn fail(path: &Path, message: impl Into<String>, hint: &'static str) -> FileError {
    FileError::with_message(path, Stage::Write, message, Some(hint))
}

fn io_fail(path: &Path, what: &str, err: &std::io::Error) -> FileError {
    let hint = match err.kind() {
        std::io::ErrorKind::StorageFull => "the disk is full; the original is untouched",
        std::io::ErrorKind::PermissionDenied => "check the folder's permissions; the original is untouched",
        _ => "the original is untouched",
    };
    fail(path, format!("{what}: {err}"), hint)
}

/// Removes the temporary file on every early return.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

fn temp_path(target: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    target.with_file_name(format!("{name}{TEMP_MARKER}-{}-{n}", std::process::id()))
}

/// What a file is, as far as its audio goes: checked equal before and after a write.
fn audio_signature(path: &Path) -> Result<String, FileError> {
    let probe = lofty::probe::Probe::open(path)
        .map_err(|e| FileError::new(path, Stage::Write, &e))?
        .options(lofty::config::ParseOptions::new().read_tags(false).read_cover_art(false))
        .guess_file_type()
        .map_err(|e| FileError::new(path, Stage::Write, &e))?;
    let file = probe.read().map_err(|e| FileError::new(path, Stage::Write, &e))?;
    let p = lofty::file::AudioFile::properties(&file);
    // Bitrates are left out: some formats derive them from the file size,
    // which a longer tag changes.
    Ok(format!(
        "{:?} {:?} {:?} {:?} {:?}",
        lofty::file::TaggedFileExt::file_type(&file),
        p.duration(),
        p.sample_rate(),
        p.channels(),
        p.bit_depth(),
    ))
}

/// Writes `changes` into the file at `path`, which must still be as it was
/// when planned (`planned`). Returns the new file's stamp.
pub fn apply_file(
    path: &Path,
    planned: Stamp,
    changes: &[Change],
    options: &ApplyOptions,
    journal: &Mutex<Journal>,
) -> Result<Stamp, FileError> {
    // A symlink's target is edited; the link itself stays a link.
    let target = fs::canonicalize(path).map_err(|e| io_fail(path, "cannot resolve the path", &e))?;
    let meta = fs::metadata(&target).map_err(|e| io_fail(path, "cannot read the file's metadata", &e))?;
    if Stamp::of(&meta) != planned {
        return Err(fail(path, "the file changed since it was read", "run reeltag again to plan from its new state"));
    }
    if meta.permissions().readonly() {
        return Err(fail(
            path,
            "the file is read-only",
            "reeltag never makes files writable; change its permissions first",
        ));
    }
    if meta.nlink() > 1 {
        return Err(fail(
            path,
            format!("the file has {} hard links", meta.nlink()),
            "replacing it would split the links; skipped",
        ));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let temp = TempFile(Some(temp_path(&target)));
    let temp_path = temp.0.clone().expect("set above");
    // create_new: never follow or overwrite something already at the temp name.
    let mut out = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&temp_path)
        .map_err(|e| io_fail(path, "cannot create a temporary file beside it", &e))?;
    let mut original = File::open(&target).map_err(|e| io_fail(path, "cannot open the file", &e))?;
    std::io::copy(&mut original, &mut out).map_err(|e| io_fail(path, "cannot copy the file", &e))?;
    drop(original);
    out.set_permissions(meta.permissions()).map_err(|e| io_fail(path, "cannot copy permissions", &e))?;
    // Ownership: the copy belongs to us; give it the original's owner when
    // they differ (only root can), and refuse rather than change an owner.
    let ours = out.metadata().map_err(|e| io_fail(path, "cannot read the temporary file", &e))?;
    if (ours.uid(), ours.gid()) != (meta.uid(), meta.gid()) {
        std::os::unix::fs::chown(&temp_path, Some(meta.uid()), Some(meta.gid()))
            .map_err(|e| io_fail(path, "cannot keep the file's owner and group", &e))?;
    }

    let native = options.native;
    let mut tags = NativeFile::read_from(&mut out).map_err(|e| FileError::new(path, Stage::Write, &e))?;
    for change in changes {
        tags.set(change.field, &change.new, &native);
    }
    let losses = tags.id3v2_write_losses(&native);
    if !losses.is_empty() {
        return Err(fail(
            path,
            format!("an ID3v2.3 tag cannot keep these frames: {}", losses.join(", ")),
            "skipped so nothing is lost; --id3v24 writes ID3v2.4, which keeps them",
        ));
    }
    tags.save_to(&mut out, &native).map_err(|e| FileError::new(path, Stage::Write, &e))?;
    if options.preserve_mtime
        && let Ok(mtime) = meta.modified()
    {
        out.set_modified(mtime).map_err(|e| io_fail(path, "cannot keep the modification time", &e))?;
    }
    out.sync_all().map_err(|e| io_fail(path, "cannot flush the new file to disk", &e))?;
    drop(out);

    verify(path, &target, &temp_path, changes)?;

    let journal_changes: Vec<JournalChange> = changes.iter().map(JournalChange::from_change).collect();
    {
        let mut journal = journal.lock().unwrap_or_else(|p| p.into_inner());
        journal
            .record_durably(&[Entry::Intent { path: target.clone(), changes: journal_changes }])
            .map_err(|e| io_fail(path, "cannot write the journal", &e))?;
    }
    // Last check: nobody wrote the original while we worked on the copy.
    if Stamp::read(&target).ok() != Some(planned) {
        return Err(fail(path, "the file changed while it was being tagged", "run reeltag again"));
    }
    fs::rename(&temp_path, &target).map_err(|e| io_fail(path, "cannot replace the file", &e))?;
    let mut temp = temp;
    temp.0 = None;
    sync_dir(dir).map_err(|e| io_fail(path, "cannot flush the folder", &e))?;
    let stamp = Stamp::read(&target).map_err(|e| io_fail(path, "cannot read the new file's metadata", &e))?;
    let mut journal = journal.lock().unwrap_or_else(|p| p.into_inner());
    journal
        .record(&[Entry::Done { path: target, size: stamp.size, mtime_ns: stamp.mtime_ns }])
        .map_err(|e| io_fail(path, "cannot write the journal", &e))?;
    Ok(stamp)
}

/// Re-reads the written copy: planned values present, audio unchanged.
fn verify(path: &Path, original: &Path, written: &Path, changes: &[Change]) -> Result<(), FileError> {
    let mut file = File::open(written).map_err(|e| io_fail(path, "cannot re-read the new file", &e))?;
    let tags = NativeFile::read_from(&mut file).map_err(|e| FileError::new(path, Stage::Write, &e))?;
    for change in changes {
        let got = tags.get(change.field);
        if got != change.new {
            return Err(fail(
                path,
                format!("{} reads back as {got:?}, not {:?}", crate::fields::spec(change.field).name, change.new),
                "this format cannot hold the value; the original is untouched",
            ));
        }
    }
    if audio_signature(original)? != audio_signature(written)? {
        return Err(fail(
            path,
            "the audio changed while writing tags",
            "the original is untouched; please report this",
        ));
    }
    Ok(())
}
