//! Writes many files through the atomic write path of [`crate::apply`],
//! pipelined so the disk waits of one batch overlap the work of the next.
//!
//! Files are queued with [`BatchWriter::push`] and grouped into batches.
//! Three stages run at once, each on its own thread, joined by bounded
//! channels (so memory stays small and a slow stage holds the others back):
//!
//! 1. the caller queues jobs;
//! 2. a preparer thread has the rayon pool copy, tag and check every file of
//!    a batch beside its original ([`prepare`]);
//! 3. a committer thread takes every prepared batch waiting (so a commit
//!    covers more files while commits are the slow stage) and, in order: one
//!    `syncfs` per file system (the copies' data, and the renames of the
//!    commit before), reports the commit before as written, journals the
//!    intents with one fsync, then renames the copies over the originals on
//!    several threads.
//!
//! The renames wait on the disk, not the CPU: replacing a file frees the
//! old one's blocks, which this file system discards on the spot. So they
//! run on [`RENAMERS`] threads while the pool already prepares the next
//! batch. A file is reported written only once a later `syncfs` made its
//! rename durable; the last commit gets a `syncfs` of its own.
//!
//! Every safety property of a single write holds for each file: its copy is
//! on disk and its intent journaled (fsynced) before its rename, so a crash
//! at any instant leaves every original wholly old or wholly new.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::{Builder, Scope};

use rayon::prelude::*;

use crate::apply::{ApplyOptions, Prepared, Swapped, make_durable, prepare, record_done, swap_in, sync_dir_or_warn};
use crate::error::{FileError, Stage};
use crate::journal::{Journal, Stamp};
use crate::plan::Change;
use crate::tag::INTERRUPTED;

/// One file to write: its planned changes and the stamp it was planned from.
pub struct WriteJob {
    /// The caller's key, handed back with the result.
    pub id: usize,
    pub path: PathBuf,
    pub stamp: Stamp,
    pub changes: Vec<Change>,
}

/// A file's result: the new file's stamp, or why it was not written.
pub type Outcome = crate::apply::Outcome<usize>;

/// Files the pool prepares together.
pub const BATCH: usize = 256;

/// Prepared batches that may wait for the committer. It commits all that
/// wait at once, so one `syncfs` and one journal fsync cover up to this many
/// batches: when commits are slow (a busy disk), they grow.
pub const QUEUED: usize = 8;

/// Threads renaming a batch's copies over their originals. Each rename
/// mostly waits for the disk to discard the replaced file's blocks, and
/// the disk serves several such requests at once.
pub const RENAMERS: usize = 4;

/// Queues files and writes them in pipelined batches. Create it inside
/// [`std::thread::scope`]; call [`finish`](Self::finish) to write what is
/// still queued (dropping it abandons the files not yet sent to the pool).
pub struct BatchWriter<'scope> {
    pending: Vec<WriteJob>,
    batch: usize,
    jobs: Option<SyncSender<Vec<WriteJob>>>,
    results: Receiver<Outcome>,
    _scope: std::marker::PhantomData<&'scope ()>,
}

impl<'scope> BatchWriter<'scope> {
    pub fn new<'env>(
        scope: &'scope Scope<'scope, 'env>,
        pool: &'env rayon::ThreadPool,
        options: &'env ApplyOptions,
        journal: &'env Mutex<Journal>,
    ) -> Self {
        Self::with_batch_size(scope, pool, options, journal, BATCH)
    }

    /// As [`new`](Self::new), with `batch` files prepared together (a commit
    /// takes one or more such batches).
    pub fn with_batch_size<'env>(
        scope: &'scope Scope<'scope, 'env>,
        pool: &'env rayon::ThreadPool,
        options: &'env ApplyOptions,
        journal: &'env Mutex<Journal>,
        batch: usize,
    ) -> Self {
        let (jobs, job_rx) = sync_channel::<Vec<WriteJob>>(1);
        let (ready_tx, ready_rx) = sync_channel::<Vec<(usize, Prepared)>>(QUEUED);
        let (out, results) = channel::<Outcome>();
        let prepare_out = out.clone();
        Builder::new()
            .name("reeltag-prepare".into())
            .spawn_scoped(scope, move || prepare_batches(job_rx, ready_tx, prepare_out, pool, options))
            .expect("cannot start the preparing thread");
        Builder::new()
            .name("reeltag-commit".into())
            .spawn_scoped(scope, move || commit_batches(ready_rx, out, journal))
            .expect("cannot start the committing thread");
        BatchWriter {
            pending: Vec::with_capacity(batch),
            batch: batch.max(1),
            jobs: Some(jobs),
            results,
            _scope: Default::default(),
        }
    }

    /// Queues one file; blocks while the stages ahead are full. Returns the
    /// results finished so far. After Ctrl-C, queued files fail unwritten.
    pub fn push(&mut self, job: WriteJob) -> Vec<Outcome> {
        let mut done = Vec::new();
        if INTERRUPTED.load(Ordering::SeqCst) {
            done.extend(self.pending.drain(..).chain([job]).map(interrupted));
        } else {
            self.pending.push(job);
            if self.pending.len() >= self.batch {
                done.extend(self.send_pending());
            }
        }
        done.extend(self.results.try_iter());
        done
    }

    /// Writes everything still queued, waits for it, and returns the
    /// remaining results.
    pub fn finish(mut self) -> Vec<Outcome> {
        let mut done: Vec<Outcome> = if INTERRUPTED.load(Ordering::SeqCst) {
            self.pending.drain(..).map(interrupted).collect()
        } else {
            self.send_pending()
        };
        // Closing the queue ends the preparer, which ends the committer;
        // the results channel closes when both are gone.
        drop(self.jobs.take());
        done.extend(self.results.iter());
        done
    }

    fn send_pending(&mut self) -> Vec<Outcome> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let jobs = std::mem::replace(&mut self.pending, Vec::with_capacity(self.batch));
        match self.jobs.as_ref().map(|tx| tx.send(jobs)) {
            Some(Ok(())) => Vec::new(),
            // Only after a stage panicked; the scope re-raises that panic.
            Some(Err(std::sync::mpsc::SendError(jobs))) => jobs.into_iter().map(stopped).collect(),
            None => Vec::new(),
        }
    }
}

fn interrupted(job: WriteJob) -> Outcome {
    (job.id, Err(interrupted_error(&job.path)))
}

fn interrupted_error(path: &std::path::Path) -> FileError {
    FileError::with_message(path, Stage::Write, "interrupted before this file", Some("run reeltag tag again"))
}

fn stopped(job: WriteJob) -> Outcome {
    let err = FileError::with_message(&job.path, Stage::Write, "the writer stopped", Some("run reeltag tag again"));
    (job.id, Err(err))
}

/// Stage 2: copies, tags and checks each batch on the pool. A file that has
/// not started when Ctrl-C comes is not started; the others finish.
fn prepare_batches(
    jobs: Receiver<Vec<WriteJob>>,
    ready: SyncSender<Vec<(usize, Prepared)>>,
    out: Sender<Outcome>,
    pool: &rayon::ThreadPool,
    options: &ApplyOptions,
) {
    for batch in jobs {
        let prepared: Vec<(usize, Result<Prepared, FileError>)> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|job| {
                    if INTERRUPTED.load(Ordering::SeqCst) {
                        return (job.id, Err(interrupted_error(&job.path)));
                    }
                    let result =
                        crate::read::guarded(&job.path, || prepare(&job.path, job.stamp, &job.changes, options));
                    (job.id, result)
                })
                .collect()
        });
        let mut batch = Vec::with_capacity(prepared.len());
        for (id, result) in prepared {
            match result {
                Ok(p) => batch.push((id, p)),
                Err(e) => {
                    let _ = out.send((id, Err(e)));
                }
            }
        }
        // Dropping the batch on a closed channel removes its copies.
        if !batch.is_empty() && ready.send(batch).is_err() {
            return;
        }
    }
}

/// Stage 3: makes prepared files durable and swaps them in. The renames of
/// one commit become durable with the next commit's `syncfs`, so a commit
/// costs one flush per file system, not one per folder.
fn commit_batches(prepared: Receiver<Vec<(usize, Prepared)>>, out: Sender<Outcome>, journal: &Mutex<Journal>) {
    let mut unflushed: Vec<(usize, Swapped)> = Vec::new();
    while let Ok(mut batch) = prepared.recv() {
        // Take every batch prepared meanwhile: the fixed cost of a commit
        // (the flushes) is then shared by more files when it is the bottleneck.
        while let Ok(more) = prepared.try_recv() {
            batch.extend(more);
        }
        let synced: Vec<u64> = flush_renames(&unflushed);
        // Devices of this batch not flushed above get their own syncfs in make_durable.
        let (ready, failed) = make_durable(batch, &synced, journal);
        deliver(std::mem::take(&mut unflushed), &out, journal);
        for outcome in failed {
            let _ = out.send(outcome);
        }
        unflushed = swap_all(ready, &out);
    }
    flush_renames(&unflushed);
    deliver(unflushed, &out, journal);
}

/// Makes renames durable: one `syncfs` per file system they are on, or an
/// fsync of each of their folders where `syncfs` fails. Returns the devices
/// flushed whole.
fn flush_renames(swapped: &[(usize, Swapped)]) -> Vec<u64> {
    let mut synced: Vec<u64> = Vec::new();
    let mut failed: Vec<u64> = Vec::new();
    for (_, s) in swapped {
        if synced.contains(&s.device) || failed.contains(&s.device) {
            continue;
        }
        match crate::apply::sync_file_system(folder(s)) {
            Ok(()) => synced.push(s.device),
            Err(_) => failed.push(s.device),
        }
    }
    if !failed.is_empty() {
        let mut dirs: Vec<&std::path::Path> =
            swapped.iter().filter(|(_, s)| failed.contains(&s.device)).map(|(_, s)| folder(s)).collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            sync_dir_or_warn(dir);
        }
    }
    synced
}

fn folder(s: &Swapped) -> &std::path::Path {
    s.target.parent().unwrap_or(std::path::Path::new("."))
}

/// Reports durable renames as written and journals them as done.
fn deliver(swapped: Vec<(usize, Swapped)>, out: &Sender<Outcome>, journal: &Mutex<Journal>) {
    if swapped.is_empty() {
        return;
    }
    let (ids, swapped): (Vec<usize>, Vec<Swapped>) = swapped.into_iter().unzip();
    record_done(&swapped, journal);
    for (id, s) in ids.into_iter().zip(swapped) {
        let _ = out.send((id, Ok(s.stamp)));
    }
}

/// Renames a batch's copies over their originals on up to [`RENAMERS`]
/// threads. Files are dealt by their target path, so two jobs that resolve
/// to one file (a symlink and its target) rename in turn on one thread, and
/// the second sees the first's change. Failures are sent at once; the
/// swapped files come back.
fn swap_all(ready: Vec<(usize, Prepared)>, out: &Sender<Outcome>) -> Vec<(usize, Swapped)> {
    if ready.is_empty() {
        return Vec::new();
    }
    let threads = RENAMERS.min(ready.len());
    let mut chunks: Vec<Vec<(usize, Prepared)>> = (0..threads).map(|_| Vec::new()).collect();
    for (id, p) in ready {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(p.target(), &mut hasher);
        chunks[(std::hash::Hasher::finish(&hasher) % threads as u64) as usize].push((id, p));
    }
    let results: Vec<(usize, Result<Swapped, FileError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || chunk.into_iter().map(|(id, p)| (id, swap_in(p))).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut swapped = Vec::with_capacity(results.len());
    for (id, result) in results {
        match result {
            Ok(s) => swapped.push((id, s)),
            Err(e) => {
                let _ = out.send((id, Err(e)));
            }
        }
    }
    swapped
}
