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
use std::io::{Cursor, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{FileError, Stage};
use crate::journal::{Entry, Journal, JournalChange, Stamp, sync_dir};
use crate::native::region::audio_region;
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
fn audio_signature(path: &Path, bytes: &[u8]) -> Result<String, FileError> {
    let probe = lofty::probe::Probe::new(Cursor::new(bytes))
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

/// The largest file `prepare` edits. The write holds about three copies of
/// the file in memory (original, rewritten buffer, checks), per thread; 1 GiB
/// covers any real track, even hours of 24-bit/192 kHz FLAC, and keeps a
/// batch's memory bounded. Larger files are refused, never half-written.
pub const MAX_WRITE_SIZE: u64 = 1024 * 1024 * 1024;

fn too_big(path: &Path, size: u64) -> FileError {
    fail(
        path,
        format!("the file is {} MiB, over reeltag's {} MiB limit for tag writes", size >> 20, MAX_WRITE_SIZE >> 20),
        "skipped, untouched; tag it with a tool that edits in place",
    )
}

/// Reads a whole file, failing with `FileTooLarge` past [`MAX_WRITE_SIZE`]
/// even if it grew after its size was checked.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let expected = file.metadata()?.len().min(MAX_WRITE_SIZE);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(MAX_WRITE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_WRITE_SIZE {
        return Err(std::io::Error::from(std::io::ErrorKind::FileTooLarge));
    }
    Ok(bytes)
}

/// Writes `changes` into a copy of a file's bytes, in memory, and checks the
/// result as [`prepare`] does (planned values read back, audio unchanged).
/// Returns the new bytes. `path` only names the file in errors. Panics inside
/// lofty are not caught here: callers wrap this in [`crate::read::guarded`].
pub fn write_in_memory(
    path: &Path,
    original: &[u8],
    changes: &[Change],
    native: &NativeOptions,
) -> Result<Vec<u8>, FileError> {
    let mut tags =
        NativeFile::read_from(&mut Cursor::new(original)).map_err(|e| FileError::new(path, Stage::Write, &e))?;
    for change in changes {
        tags.set(change.field, &change.new, native);
    }
    let losses = tags.id3v2_write_losses(native);
    if !losses.is_empty() {
        return Err(fail(
            path,
            format!("an ID3v2.3 tag cannot keep these frames: {}", losses.join(", ")),
            "skipped so nothing is lost; --id3v24 writes ID3v2.4, which keeps them",
        ));
    }
    let mut buffer = Cursor::new(original.to_vec());
    tags.save_to(&mut buffer, native).map_err(|e| FileError::new(path, Stage::Write, &e))?;
    let written = buffer.into_inner();
    verify(path, original, &written, changes)?;
    Ok(written)
}

/// A tagged, verified copy waiting beside its original for the batch commit.
pub struct Prepared {
    path: PathBuf,
    target: PathBuf,
    temp: TempFile,
    planned: Stamp,
    changes: Vec<JournalChange>,
}

/// Writes `changes` into the file at `path`, which must still be as it was
/// when planned (`planned`), through one batch of one. Returns the new stamp.
pub fn apply_file(
    path: &Path,
    planned: Stamp,
    changes: &[Change],
    options: &ApplyOptions,
    journal: &Mutex<Journal>,
) -> Result<Stamp, FileError> {
    let prepared = prepare(path, planned, changes, options)?;
    commit(vec![prepared], journal).pop().expect("one result per prepared file").1
}

/// Copies the file beside itself, writes the tags into the copy and checks
/// them. Nothing is fsynced yet: [`commit`] does that once for a whole batch.
pub fn prepare(path: &Path, planned: Stamp, changes: &[Change], options: &ApplyOptions) -> Result<Prepared, FileError> {
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
    // The whole edit happens in memory: one read of the original, lofty's
    // rewrite in a buffer, the checks on that buffer, one write of the copy.
    if meta.len() > MAX_WRITE_SIZE {
        return Err(too_big(path, meta.len()));
    }
    let original = read_capped(&target).map_err(|e| match e.kind() {
        std::io::ErrorKind::FileTooLarge => too_big(path, MAX_WRITE_SIZE + 1),
        _ => io_fail(path, "cannot read the file", &e),
    })?;
    let (owned, planned_changes, native) = (path.to_path_buf(), changes.to_vec(), options.native);
    let written = crate::read::with_deadline(path, Stage::Write, crate::read::PARSE_TIME_LIMIT, move || {
        write_in_memory(&owned, &original, &planned_changes, &native)
    })?;

    let temp = TempFile(Some(temp_path(&target)));
    let temp_path = temp.0.clone().expect("set above");
    // create_new: never follow or overwrite something already at the temp name.
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp_path)
        .map_err(|e| io_fail(path, "cannot create a temporary file beside it", &e))?;
    out.write_all(&written).map_err(|e| io_fail(path, "cannot write the new file", &e))?;
    out.set_permissions(meta.permissions()).map_err(|e| io_fail(path, "cannot copy permissions", &e))?;
    // Ownership: the copy belongs to us; give it the original's owner when
    // they differ (only root can), and refuse rather than change an owner.
    let ours = out.metadata().map_err(|e| io_fail(path, "cannot read the temporary file", &e))?;
    if (ours.uid(), ours.gid()) != (meta.uid(), meta.gid()) {
        std::os::unix::fs::chown(&temp_path, Some(meta.uid()), Some(meta.gid()))
            .map_err(|e| io_fail(path, "cannot keep the file's owner and group", &e))?;
    }
    if options.preserve_mtime
        && let Ok(mtime) = meta.modified()
    {
        out.set_modified(mtime).map_err(|e| io_fail(path, "cannot keep the modification time", &e))?;
    }
    drop(out);
    let changes = changes.iter().map(JournalChange::from_change).collect();
    Ok(Prepared { path: path.to_path_buf(), target, temp, planned, changes })
}

/// Makes a batch of prepared copies durable and swaps them in, in this order:
/// the copies' data reaches the disk (one `syncfs` per file system), the old
/// values of every file are journaled (one fsync), each copy is renamed over
/// its original, and each folder is fsynced once. A crash anywhere leaves
/// every original wholly old or wholly new, and the journal knows which may
/// have changed. Results come back in the batch's order.
pub fn commit(batch: Vec<Prepared>, journal: &Mutex<Journal>) -> Vec<(PathBuf, Result<Stamp, FileError>)> {
    let mut results: Vec<(PathBuf, Result<Stamp, FileError>)> = Vec::with_capacity(batch.len());
    let mut ready: Vec<Prepared> = Vec::with_capacity(batch.len());
    let mut synced_devices: Vec<u64> = Vec::new();
    for prepared in batch {
        match sync_file_system(&prepared, &mut synced_devices) {
            Ok(()) => ready.push(prepared),
            Err(e) => results.push((prepared.path.clone(), Err(e))),
        }
    }
    let intents: Vec<Entry> =
        ready.iter().map(|p| Entry::Intent { path: p.target.clone(), changes: p.changes.clone() }).collect();
    let journaled = journal.lock().unwrap_or_else(|p| p.into_inner()).record_durably(&intents);
    if let Err(e) = journaled {
        for p in ready {
            results.push((p.path.clone(), Err(io_fail(&p.path, "cannot write the journal", &e))));
        }
        return results;
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut renamed: Vec<(PathBuf, PathBuf)> = Vec::new();
    for mut p in ready {
        // Last check: nobody wrote the original while we worked on the copy.
        if Stamp::read(&p.target).ok() != Some(p.planned) {
            results.push((
                p.path.clone(),
                Err(fail(&p.path, "the file changed while it was being tagged", "run reeltag again")),
            ));
            continue;
        }
        let temp = p.temp.0.take().expect("a prepared file has its copy");
        if let Err(e) = fs::rename(&temp, &p.target) {
            p.temp.0 = Some(temp);
            results.push((p.path.clone(), Err(io_fail(&p.path, "cannot replace the file", &e))));
            continue;
        }
        let dir = p.target.parent().unwrap_or(Path::new(".")).to_path_buf();
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
        renamed.push((p.path, p.target));
    }
    for dir in &dirs {
        // The renames are done; a failed folder fsync only weakens durability, so it is reported, not undone.
        if let Err(e) = sync_dir(dir) {
            eprintln!("reeltag: {}: cannot flush the folder: {e}", dir.display());
        }
    }
    let mut done = Vec::new();
    for (path, target) in renamed {
        match Stamp::read(&target) {
            Ok(stamp) => {
                done.push(Entry::Done { path: target, size: stamp.size, mtime_ns: stamp.mtime_ns });
                results.push((path, Ok(stamp)));
            }
            Err(e) => results.push((path.clone(), Err(io_fail(&path, "cannot read the new file's metadata", &e)))),
        }
    }
    // `done` records only help undo tell "modified since"; they need no fsync of their own.
    let _ = journal.lock().unwrap_or_else(|p| p.into_inner()).record(&done);
    results
}

/// Flushes the file system holding a prepared copy, once per device per batch.
fn sync_file_system(prepared: &Prepared, synced: &mut Vec<u64>) -> Result<(), FileError> {
    let temp = prepared.temp.0.as_ref().expect("a prepared file has its copy");
    let file = File::open(temp).map_err(|e| io_fail(&prepared.path, "cannot reopen the new file", &e))?;
    let device = file.metadata().map_err(|e| io_fail(&prepared.path, "cannot read the new file", &e))?.dev();
    if synced.contains(&device) {
        return Ok(());
    }
    // SAFETY: syncfs only reads the descriptor, which `file` keeps open for the call.
    let status = unsafe { libc::syncfs(std::os::fd::AsRawFd::as_raw_fd(&file)) };
    if status != 0 {
        // Without syncfs, fsync the copy itself.
        file.sync_all().map_err(|e| io_fail(&prepared.path, "cannot flush the new file to disk", &e))?;
        return Ok(());
    }
    synced.push(device);
    Ok(())
}

/// Re-reads the written bytes: planned values present, audio unchanged.
fn verify(path: &Path, original: &[u8], written: &[u8], changes: &[Change]) -> Result<(), FileError> {
    let tags = NativeFile::read_from(&mut Cursor::new(written)).map_err(|e| FileError::new(path, Stage::Write, &e))?;
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
    if audio_signature(path, original)? != audio_signature(path, written)? {
        return Err(fail(
            path,
            "the audio changed while writing tags",
            "the original is untouched; please report this",
        ));
    }
    // Byte for byte where the layout is understood: equal properties would
    // not show a changed sample.
    if let Some((_, audio)) = audio_region(original)
        && audio_region(written).is_none_or(|(_, new)| new != audio)
    {
        return Err(fail(
            path,
            "the audio bytes changed while writing tags",
            "the original is untouched; please report this",
        ));
    }
    Ok(())
}
