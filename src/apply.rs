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
    /// The file system holding the original and its copy: what `syncfs` flushes.
    device: u64,
}

impl Prepared {
    /// The path the file was planned under (a symlink stays as given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file that will be replaced: the path with symlinks resolved.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

/// A copy renamed over its original, not yet known to be durable.
pub struct Swapped {
    /// The path the file was planned under.
    pub path: PathBuf,
    /// The replaced file (the symlink's target for a link).
    pub target: PathBuf,
    pub device: u64,
    /// The new file's size and mtime.
    pub stamp: Stamp,
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
    crate::xattrs::copy(&target, &out).map_err(|e| io_fail(path, "cannot keep the file's extended attributes", &e))?;
    if options.preserve_mtime
        && let Ok(mtime) = meta.modified()
    {
        out.set_modified(mtime).map_err(|e| io_fail(path, "cannot keep the modification time", &e))?;
    }
    drop(out);
    let changes = changes.iter().map(JournalChange::from_change).collect();
    Ok(Prepared { path: path.to_path_buf(), target, temp, planned, changes, device: meta.dev() })
}

/// Makes a batch of prepared copies durable and swaps them in, in this order:
/// the copies' data reaches the disk (one `syncfs` per file system), the old
/// values of every file are journaled (one fsync), each copy is renamed over
/// its original, and each folder is fsynced once. A crash anywhere leaves
/// every original wholly old or wholly new, and the journal knows which may
/// have changed. One result per file, keyed by its path. `reeltag tag` uses
/// the same steps pipelined across batches (`crate::batch`).
pub fn commit(batch: Vec<Prepared>, journal: &Mutex<Journal>) -> Vec<(PathBuf, Result<Stamp, FileError>)> {
    let batch: Vec<(PathBuf, Prepared)> = batch.into_iter().map(|p| (p.path.clone(), p)).collect();
    let (ready, mut results) = make_durable(batch, &[], journal);
    let mut swapped = Vec::new();
    for (path, p) in ready {
        match swap_in(p) {
            Ok(s) => swapped.push(s),
            Err(e) => results.push((path, Err(e))),
        }
    }
    let mut dirs: Vec<&Path> = swapped.iter().map(|s| s.target.parent().unwrap_or(Path::new("."))).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        sync_dir_or_warn(dir);
    }
    record_done(&swapped, journal);
    results.extend(swapped.into_iter().map(|s| (s.path, Ok(s.stamp))));
    results
}

/// A file's result under the caller's key: the new stamp, or why it was not written.
pub type Outcome<K> = (K, Result<Stamp, FileError>);

/// The first two steps of a commit, before any original is touched: the
/// copies' data is flushed (one `syncfs` per file system, skipping those in
/// `synced`, which the caller flushed after the copies were written), then
/// their intents are journaled with one fsync. Returns the copies ready to be
/// swapped in and the files that failed, each with the caller's key.
pub fn make_durable<K>(
    batch: Vec<(K, Prepared)>,
    synced: &[u64],
    journal: &Mutex<Journal>,
) -> (Vec<(K, Prepared)>, Vec<Outcome<K>>) {
    let mut results = Vec::new();
    let mut ready = Vec::with_capacity(batch.len());
    let mut synced: Vec<u64> = synced.to_vec();
    let mut failed_devices: Vec<u64> = Vec::new();
    for (key, p) in batch {
        if !synced.contains(&p.device) && !failed_devices.contains(&p.device) {
            // Opened by path only once per device: the copy's fd is long closed.
            match sync_file_system(p.temp.0.as_ref().expect("a prepared file has its copy")) {
                Ok(()) => synced.push(p.device),
                Err(_) => failed_devices.push(p.device),
            }
        }
        if failed_devices.contains(&p.device) {
            // Without syncfs, fsync the copy itself.
            let temp = p.temp.0.as_ref().expect("a prepared file has its copy");
            if let Err(e) = File::open(temp).and_then(|f| f.sync_all()) {
                results.push((key, Err(io_fail(&p.path, "cannot flush the new file to disk", &e))));
                continue;
            }
        }
        ready.push((key, p));
    }
    let intents: Vec<Entry> =
        ready.iter().map(|(_, p)| Entry::Intent { path: p.target.clone(), changes: p.changes.clone() }).collect();
    let journaled = journal.lock().unwrap_or_else(|p| p.into_inner()).record_durably(&intents);
    if let Err(e) = journaled {
        for (key, p) in ready {
            results.push((key, Err(io_fail(&p.path, "cannot write the journal", &e))));
        }
        return (Vec::new(), results);
    }
    (ready, results)
}

/// Renames one durable, journaled copy over its original, unless the
/// original changed since it was planned. Safe to call from several threads.
pub fn swap_in(mut p: Prepared) -> Result<Swapped, FileError> {
    // Last check: nobody wrote the original while we worked on the copy.
    if Stamp::read(&p.target).ok() != Some(p.planned) {
        return Err(fail(&p.path, "the file changed while it was being tagged", "run reeltag again"));
    }
    let temp = p.temp.0.take().expect("a prepared file has its copy");
    if let Err(e) = fs::rename(&temp, &p.target) {
        p.temp.0 = Some(temp);
        return Err(io_fail(&p.path, "cannot replace the file", &e));
    }
    // The rename keeps the copy's size and mtime; stat for them all the same
    // (cheap next to the rename) so the journal records what is on disk.
    match Stamp::read(&p.target) {
        Ok(stamp) => Ok(Swapped { path: p.path, target: p.target, device: p.device, stamp }),
        Err(e) => Err(io_fail(&p.path, "cannot read the new file's metadata", &e)),
    }
}

/// Appends `done` records for swapped files. They only help undo tell
/// "modified since", so they need no fsync of their own.
pub fn record_done(swapped: &[Swapped], journal: &Mutex<Journal>) {
    let done: Vec<Entry> = swapped
        .iter()
        .map(|s| Entry::Done { path: s.target.clone(), size: s.stamp.size, mtime_ns: s.stamp.mtime_ns })
        .collect();
    let _ = journal.lock().unwrap_or_else(|p| p.into_inner()).record(&done);
}

/// fsyncs a folder after renames in it. The renames are done; a failed
/// flush only weakens durability, so it is reported, not undone.
pub fn sync_dir_or_warn(dir: &Path) {
    if let Err(e) = sync_dir(dir) {
        eprintln!("reeltag: {}: cannot flush the folder: {e}", dir.display());
    }
}

/// Flushes the whole file system holding `path` (`syncfs`).
pub fn sync_file_system(path: &Path) -> std::io::Result<()> {
    let file = File::open(path)?;
    // SAFETY: syncfs only reads the descriptor, which `file` keeps open for the call.
    let status = unsafe { libc::syncfs(std::os::fd::AsRawFd::as_raw_fd(&file)) };
    if status != 0 {
        return Err(std::io::Error::last_os_error());
    }
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
