//! `reeltag tag`'s driver: the scan's streaming shape, with a plan per album
//! and (unless a dry run) the writes.
//!
//! Chunks of whole albums are read (native values: what planning and writing
//! need), classified and planned by the workers, in path order. The main
//! thread prints each file's row once its fate is known: at once in a dry
//! run, after its batch is committed otherwise. Memory holds the chunks in
//! flight and the rows waiting for their batch, not the library.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::batch::{BatchWriter, WriteJob};
use crate::chunk::{Chunk, Part, Parts, chunks, rel_of};
use crate::classify::Role;
use crate::error::{FileError, Stage};
use crate::journal::{Journal, Stamp};
use crate::plan::{Change, PlanInput, PlanOptions, Values, plan_album};
use crate::read::{PARSE_TIME_LIMIT, abandoned, guarded_as};
use crate::report::plan::{PlanReport, PlanRow, Status};
use crate::rules::Rules;
use crate::state::{self, CachedDecision, Key, Store};
use crate::stream::{Cache, CacheView, StoredChunk, StoredRows};
use crate::supervise::{Lost, Supervisor, Watch};
use crate::tag::{INTERRUPTED, Read, read_values, tags_of};
use crate::track::Track;

/// One candidate after reading, classifying and planning.
enum Slot {
    Planned(Box<PlannedFile>),
    Failed(FileError),
    NotAudio,
}

struct PlannedFile {
    read: Read,
    role: Role,
    changes: Vec<Change>,
    /// The chunk folder (absolute) and the path below it, for the state file.
    place: Option<(PathBuf, Vec<u8>)>,
}

/// Counts for the summary line.
#[derive(Debug, Default)]
pub struct TagTally {
    pub to_change: usize,
    pub unchanged: usize,
    pub written: usize,
    pub failed: usize,
    pub skipped: usize,
    pub cached: usize,
    /// Files handed to the writer.
    pub attempted: usize,
    pub score: usize,
    pub song: usize,
    pub none: usize,
    pub store_failed: bool,
}

/// What a chunk's stored rows become.
struct Update {
    chunk: PathBuf,
    rows: Vec<state::Row>,
    replace: Option<Vec<Vec<u8>>>,
}

/// Everything `drive` needs besides the report.
pub struct Drive<'a> {
    /// The paths, walk options and thread counts.
    pub input: &'a crate::config::Input,
    pub rules: &'a Rules,
    pub plan: &'a PlanOptions,
    pub progress: bool,
    /// `None` for a dry run. The writer gets its own pool: the readers block
    /// when the printer is behind, and the printer waits for the writer, so a
    /// writer that needed the readers' threads would wait for itself.
    pub writing: Option<(&'a crate::apply::ApplyOptions, &'a Mutex<Journal>, &'a rayon::ThreadPool)>,
}

/// Runs the whole `tag` pipeline; report write errors are returned after the
/// batch is finished (files are never left half-handled because stdout closed).
pub fn drive(
    job: &Drive<'_>,
    report: &mut PlanReport<'_>,
    cache: Option<&mut Cache>,
) -> (TagTally, std::io::Result<()>) {
    let walked = crate::walk::walk(&job.input.roots, &job.input.walk);
    if job.writing.is_some() {
        // Left by a killed run: never an original, so safe to remove.
        for temp in &walked.stale_temps {
            let _ = std::fs::remove_file(temp);
        }
    }
    let crate::walk::Walked { candidates, skipped, errors: walk_errors, .. } = walked;
    let chunks = chunks(&candidates);
    let bar = crate::progress::bar(candidates.len(), job.progress);
    let mut tally = TagTally { skipped, ..TagTally::default() };
    let roots: Vec<PathBuf> =
        job.input.roots.iter().map(|r| std::path::absolute(r).unwrap_or_else(|_| r.clone())).collect();
    let broken = Arc::new(AtomicBool::new(false));
    let store_path = cache.as_ref().map(|c| c.store.path.clone()).unwrap_or_default();
    let (view, mut writer) = match cache {
        Some(Cache { store, trust, rules }) => {
            let Store { readers, writer, .. } = store;
            (
                Some(CacheView {
                    store: Arc::clone(readers),
                    path: store_path.clone(),
                    trust: *trust,
                    rules: *rules,
                    roots: roots.clone(),
                    broken: Arc::clone(&broken),
                    empty: readers.is_empty(state::Table::Tag).unwrap_or(false),
                }),
                Some(writer),
            )
        }
        None => (None, None),
    };
    let mut store_error: Option<rusqlite::Error> = None;
    let mut written: std::io::Result<()> = Ok(());
    let mut walk_errors = walk_errors.iter().peekable();
    let shared = Arc::new(Shared {
        parts: Parts::new(&chunks),
        candidates,
        chunks,
        rules: job.rules.clone(),
        plan: job.plan.clone(),
        bar: bar.clone(),
        view,
    });
    let work_on = Arc::clone(&shared);
    let started = Supervisor::start(
        "reeltag-read",
        shared.parts.list.len(),
        job.input.threads,
        PARSE_TIME_LIMIT,
        4,
        Box::new(move |part, watch| tag_part(&work_on, part, watch)),
    );
    let mut supervisor = match started {
        Ok(mut started) => {
            let layout: crate::chunk::Layout<Shared> = |s| (&s.parts.list, &s.chunks, &s.candidates);
            crate::chunk::warm_ahead(&mut started, job.input, shared.view.as_ref(), &shared, layout);
            started
        }
        Err(e) => return (tally, Err(std::io::Error::other(format!("cannot start the worker threads: {e}")))),
    };
    let candidates = &shared.candidates;
    let view = shared.view.as_ref();

    std::thread::scope(|scope| {
        let mut batch_writer = job
            .writing
            .map(|(options, journal, pool)| BatchWriter::with_batch_size(scope, pool, options, journal, write_batch()));
        // Rows in path order whose file is still being written.
        let mut waiting: VecDeque<(usize, Slot)> = VecDeque::new();
        let mut results: HashMap<usize, Result<Stamp, FileError>> = HashMap::new();
        let mut pending: HashMap<usize, Slot> = HashMap::new();
        let mut next = 0;
        let mut store_rows: Vec<(PathBuf, state::Row)> = Vec::new();
        let mut unfinished = shared.chunks.len();
        while unfinished > 0 {
            let (batch, reused, update) = match supervisor.next() {
                Ok(finished) => finished,
                Err(e) => {
                    // Stop feeding the writer; what it holds is still committed or rolled back below.
                    if written.is_ok() {
                        written = Err(e);
                    }
                    break;
                }
            };
            unfinished -= 1;
            tally.cached += reused;
            if let (Some(update), Some(writer)) = (update, writer.as_deref_mut())
                && store_error.is_none()
                && let Err(e) =
                    writer.put_chunk(state::Table::Tag, &update.chunk, &update.rows, update.replace.as_deref())
            {
                store_error = Some(e);
            }
            pending.extend(batch);
            while let Some(slot) = pending.remove(&next) {
                let path = &candidates[next];
                while let Some(err) = walk_errors.next_if(|e| e.path < *path) {
                    tally.failed += 1;
                    if written.is_ok() {
                        written = report.failed_read(err);
                    }
                }
                if let (Slot::Planned(file), Some(batch_writer)) = (&slot, batch_writer.as_mut())
                    && !file.changes.is_empty()
                {
                    let job = WriteJob {
                        id: next,
                        path: file.read.track.path.clone(),
                        stamp: file.read.stamp,
                        changes: file.changes.clone(),
                    };
                    tally.attempted += 1;
                    results.extend(batch_writer.push(job));
                }
                waiting.push_back((next, slot));
                next += 1;
            }
            flush(&mut waiting, &mut results, false, job, view, report, &mut tally, &mut written, &mut store_rows);
        }
        if let Some(batch_writer) = batch_writer {
            results.extend(batch_writer.finish());
        }
        flush(&mut waiting, &mut results, true, job, view, report, &mut tally, &mut written, &mut store_rows);
        for err in walk_errors {
            tally.failed += 1;
            if written.is_ok() {
                written = report.failed_read(err);
            }
        }
        if let Some(writer) = writer.as_deref_mut() {
            // Rows come in path order: one update per chunk, not one per file.
            let mut rows = store_rows.into_iter().peekable();
            while let Some((chunk, first)) = rows.next() {
                let mut group = vec![first];
                while let Some((_, row)) = rows.next_if(|(next, _)| *next == chunk) {
                    group.push(row);
                }
                if store_error.is_none()
                    && let Err(e) = writer.put_chunk(state::Table::Tag, &chunk, &group, Some(&[]))
                {
                    store_error = Some(e);
                }
            }
        }
    });
    bar.finish_and_clear();
    if let Some(writer) = writer {
        if broken.load(Ordering::Relaxed) {
            tally.store_failed = true;
        } else if store_error.is_none()
            && let Err(e) =
                crate::stream::finish_store(writer, &shared.chunks, &roots, job.input.walk.max_depth.is_none())
        {
            store_error = Some(e);
        }
        if let Some(e) = store_error {
            tally.store_failed = true;
            eprintln!("reeltag: cannot update the state file {}: {e}", store_path.display());
        }
    }
    (tally, written)
}

/// Files per write batch: `REELTAG_WRITE_BATCH` lets tests make batches
/// small, so a few hundred files exercise a full queue.
fn write_batch() -> usize {
    std::env::var("REELTAG_WRITE_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(crate::batch::BATCH)
}

/// Prints the rows at the front of `waiting` whose fate is known; with
/// `all`, every row (a file never written by then was interrupted).
#[allow(clippy::too_many_arguments)]
fn flush(
    waiting: &mut VecDeque<(usize, Slot)>,
    results: &mut HashMap<usize, Result<Stamp, FileError>>,
    all: bool,
    job: &Drive<'_>,
    view: Option<&CacheView>,
    report: &mut PlanReport<'_>,
    tally: &mut TagTally,
    written: &mut std::io::Result<()>,
    store_rows: &mut Vec<(PathBuf, state::Row)>,
) {
    while let Some((index, slot)) = waiting.front() {
        let outcome = match slot {
            Slot::Planned(file) if !file.changes.is_empty() && job.writing.is_some() => match results.remove(index) {
                Some(result) => Some(result),
                None if all => Some(Err(FileError::with_message(
                    &file.read.track.path,
                    crate::error::Stage::Write,
                    "interrupted before this file",
                    Some("run reeltag tag again"),
                ))),
                None => break,
            },
            _ => None,
        };
        let (_, slot) = waiting.pop_front().expect("front exists");
        let status = report_one(&slot, outcome, report, tally, written);
        if let (Slot::Planned(file), Status::Written, Some(view)) = (&slot, &status, view)
            && let Some(row) = written_row(file, view.rules)
        {
            store_rows.push(row);
        }
    }
}

/// Prints one file's row and counts it.
fn report_one(
    slot: &Slot,
    outcome: Option<Result<Stamp, FileError>>,
    report: &mut PlanReport<'_>,
    tally: &mut TagTally,
    written: &mut std::io::Result<()>,
) -> Status {
    let status = match (slot, outcome) {
        (Slot::NotAudio, _) => {
            tally.skipped += 1;
            return Status::Unchanged;
        }
        (Slot::Failed(err), _) => {
            tally.failed += 1;
            if written.is_ok() {
                *written = report.failed_read(err);
            }
            return Status::Failed(err.clone());
        }
        (Slot::Planned(file), _) if file.changes.is_empty() => Status::Unchanged,
        (Slot::Planned(_), None) => Status::Planned,
        (Slot::Planned(_), Some(Ok(_))) => Status::Written,
        (Slot::Planned(_), Some(Err(e))) => Status::Failed(e),
    };
    let Slot::Planned(file) = slot else { unreachable!("handled above") };
    match &status {
        Status::Unchanged => tally.unchanged += 1,
        Status::Planned => tally.to_change += 1,
        Status::Written => tally.written += 1,
        Status::Failed(_) => tally.failed += 1,
    }
    match file.role {
        Role::Score => tally.score += 1,
        Role::Song => tally.song += 1,
        Role::None => tally.none += 1,
    }
    if written.is_ok() {
        *written = report.record(&PlanRow {
            path: &file.read.track.path,
            role: Some(file.role),
            changes: &file.changes,
            status: &status,
        });
    }
    status
}

/// The stored row of a file just written: its new key and the values it now
/// holds, so the next run does not read it again.
fn written_row(file: &PlannedFile, rules: i64) -> Option<(PathBuf, state::Row)> {
    let (chunk, rel) = file.place.clone()?;
    let meta = std::fs::metadata(&file.read.track.path).ok()?;
    let mut values = file.read.values.clone();
    for change in &file.changes {
        values.insert(change.field, change.new.clone());
    }
    let decision = CachedDecision { role: file.role, confidence: 0.0, rule: None, reasons: Vec::new() };
    Some((
        chunk,
        state::Row {
            rel,
            key: Key::of(&meta),
            record: encode_values(file.read.track.format, &values),
            rules: Some(rules),
            decision: Some(decision.encode()),
        },
    ))
}

/// A `tag` read as stored (postcard): the format and the values.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredValues<'a> {
    format: &'a str,
    values: std::borrow::Cow<'a, Values>,
}

fn encode_values(format: &str, values: &Values) -> Vec<u8> {
    postcard::to_stdvec(&StoredValues { format, values: std::borrow::Cow::Borrowed(values) }).expect("values encode")
}

/// What the store gave back for one file.
struct Stored {
    read: Read,
    role: Option<Role>,
}

fn restore(path: &Path, row: &state::Row, key: Key, rules: i64) -> Option<Stored> {
    let StoredValues { format, values } = postcard::from_bytes(&row.record).ok()?;
    let values = values.into_owned();
    let format = state::intern_format(format);
    let track =
        Track { path: path.to_path_buf(), format, tag_types: Vec::new(), id3v2_version: None, tags: tags_of(&values) };
    let role = (row.rules == Some(rules))
        .then(|| row.decision.as_deref().and_then(CachedDecision::decode))
        .flatten()
        .map(|d| d.role);
    Some(Stored { read: Read { values, track, stamp: Stamp { size: key.size, mtime_ns: key.mtime_ns } }, role })
}

/// What the tag workers share; owned, since a worker stuck in a parse may outlive the run.
struct Shared {
    candidates: Vec<PathBuf>,
    chunks: Vec<Chunk>,
    parts: Parts<ReadOne>,
    rules: Rules,
    plan: PlanOptions,
    bar: indicatif::ProgressBar,
    view: Option<CacheView>,
}

/// A planned chunk: its rows by candidate index, how many came from the store, and its store update.
type Finished = (Vec<(usize, Slot)>, usize, Option<Update>);

/// Reads (or restores) one part's files; plans the chunk once all its parts are in.
fn tag_part(shared: &Shared, part: usize, watch: &mut Watch<'_>) -> Result<Option<Finished>, Lost> {
    let Part { chunk: index, start, end } = shared.parts.list[part];
    let chunk = &shared.chunks[index];
    let view = shared.view.as_ref();
    let stored = match view {
        Some(view) => view.stored(state::Table::Tag, chunk),
        None => StoredChunk { key: PathBuf::new(), whole_chunk: true, rows: StoredRows::default() },
    };
    let rules_fingerprint = view.map_or(0, |v| v.rules);
    let mut read: Vec<ReadOne> = Vec::with_capacity(end - start);
    for (item, &i) in chunk.members[start..end].iter().enumerate() {
        let path = &shared.candidates[i];
        // Without a store no key is needed: no stat before the read's own.
        let looked = match view {
            Some(_) => lookup(path, &rel_of(path, &chunk.folder), &stored.rows, rules_fingerprint),
            None => interrupted(path).ok_or(None),
        };
        read.push(match looked {
            Ok(hit) => hit,
            Err(key) => {
                let fresh = match watch.item(item, || guarded_as(path, Stage::Read, || read_values(path))) {
                    Ok(fresh) => fresh,
                    Err(Lost::TimedOut) => Err(abandoned(path, Stage::Read, PARSE_TIME_LIMIT)),
                    Err(Lost::Abandoned) => return Err(Lost::Abandoned),
                };
                (fresh, key.filter(|_| view.is_some()), None, false)
            }
        });
    }
    shared.bar.inc((end - start) as u64);
    let Some(read) = shared.parts.complete(part, read, chunk.members.len()) else { return Ok(None) };
    Ok(Some(plan_chunk(shared, chunk, read, stored)))
}

/// Classifies and plans a chunk whose files are all in; with a store, works out its update.
fn plan_chunk(shared: &Shared, chunk: &Chunk, read: Vec<ReadOne>, stored: StoredChunk) -> Finished {
    let StoredChunk { whole_chunk, key: chunk_key, rows: stored } = stored;
    let view = shared.view.as_ref();
    let rules_fingerprint = view.map_or(0, |v| v.rules);
    let reused = read.iter().filter(|r| r.3).count();
    let clean = view.is_some()
        && reused == read.len()
        && stored.len() == read.len()
        && read.iter().all(|(r, _, role, _)| !matches!(r, Ok(Some(_))) || role.is_some());

    let mut slots: Vec<(usize, Slot)> = Vec::with_capacity(read.len());
    let mut reads: Vec<(usize, Read, Option<Key>, Option<Role>)> = Vec::new();
    for (&index, (outcome, key, role, _)) in chunk.members.iter().zip(read) {
        match outcome {
            Ok(Some(r)) => reads.push((index, r, key, role)),
            Ok(None) => slots.push((index, Slot::NotAudio)),
            Err(e) => slots.push((index, Slot::Failed(e))),
        }
    }
    // Classification and grouping want a slice of tracks: lend them out and back.
    let tracks: Vec<Track> = reads.iter_mut().map(|(_, r, _, _)| std::mem::take(&mut r.track)).collect();
    let roles: Vec<Role> = if clean {
        reads.iter().map(|(_, _, _, role)| role.expect("a clean chunk has every role")).collect()
    } else {
        crate::decide_all(&tracks, &shared.rules).iter().map(|d| d.role).collect()
    };
    let albums = crate::album::group(&tracks);
    for ((_, r, _, _), track) in reads.iter_mut().zip(tracks) {
        r.track = track;
    }
    let mut plans: Vec<Vec<Change>> = vec![Vec::new(); reads.len()];
    for album in albums {
        let inputs: Vec<PlanInput<'_>> = album
            .tracks
            .iter()
            .map(|&i| PlanInput { path: &reads[i].1.track.path, values: &reads[i].1.values, role: roles[i] })
            .collect();
        for (&i, changes) in album.tracks.iter().zip(plan_album(&inputs, &shared.plan)) {
            plans[i] = changes;
        }
    }
    let mut rows: Vec<state::Row> = Vec::new();
    for (((index, read, key, _), role), changes) in reads.into_iter().zip(roles).zip(plans) {
        let rel = rel_of(&read.track.path, &chunk.folder);
        if let (Some(key), Some(_), false) = (key, view, clean) {
            let decision = CachedDecision { role, confidence: 0.0, rule: None, reasons: Vec::new() };
            rows.push(state::Row {
                rel: rel.clone(),
                key,
                record: encode_values(read.track.format, &read.values),
                rules: Some(rules_fingerprint),
                decision: Some(decision.encode()),
            });
        }
        let place = view.map(|_| (chunk_key.clone(), rel));
        slots.push((index, Slot::Planned(Box::new(PlannedFile { read, role, changes, place }))));
    }
    let update = (view.is_some() && !clean).then(|| Update {
        chunk: chunk_key.clone(),
        rows,
        replace: (!whole_chunk).then(|| stored.into_keys().collect()),
    });
    (slots, reused, update)
}

/// A read's outcome, the file's key, a stored role, and whether the store was used.
type ReadOne = (Result<Option<Read>, FileError>, Option<Key>, Option<Role>, bool);

/// After Ctrl-C: the outcome of a file not yet read.
fn interrupted(path: &Path) -> Option<ReadOne> {
    INTERRUPTED.load(Ordering::Relaxed).then(|| {
        let err =
            FileError::with_message(path, Stage::Read, "interrupted before this file", Some("run reeltag tag again"));
        (Err(err), None, None, false)
    })
}

/// A file's values from the store when its key matches; else the key (when
/// the file could be looked at) for a fresh read.
fn lookup(path: &Path, rel: &[u8], stored: &StoredRows, rules: i64) -> Result<ReadOne, Option<Key>> {
    if let Some(stopped) = interrupted(path) {
        return Ok(stopped);
    }
    let key = std::fs::metadata(path).ok().map(|m| Key::of(&m));
    if let Some(key) = key
        && let Some(row) = stored.get(rel).filter(|row| row.key == key)
        && let Some(hit) = restore(path, row, key, rules)
    {
        return Ok((Ok(Some(hit.read)), Some(key), hit.role, true));
    }
    Err(key)
}
