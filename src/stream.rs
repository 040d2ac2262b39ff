//! The scan's driver: reads, classifies and reports in one streaming pass.
//!
//! Workers read and classify a chunk of whole albums at a time (see
//! `chunk`), in path order, while the calling thread writes finished rows in path order.
//! Classification and output so overlap with reading, and memory holds only
//! the chunks in flight plus rows waiting for an earlier one.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::chunk::{Chunk, Layout, Part, Parts, chunks, in_roots, rel_of};
use crate::classify::{Decision, Role};
use crate::config::Input;
use crate::error::FileError;
use crate::error::Stage;
use crate::read::{PARSE_TIME_LIMIT, ReadOutcome, abandoned, read_track_here, read_track_with_metadata};
use crate::report::{Report, Row};
use crate::rules::Rules;
use crate::state::{self, CachedDecision, Key, Record, Restored, Store};
use crate::supervise::{Lost, Supervisor, Watch};
use crate::track::Track;

/// What one candidate became.
enum Slot {
    Track(Box<Track>, Decision),
    Failed(FileError),
    NotAudio,
}

/// The state store as a run uses it.
pub struct Cache {
    pub store: Store,
    /// Whether stored records may be used (`--no-cache` reads every file but
    /// still refreshes the store).
    pub trust: bool,
    /// The fingerprint of the rules: a stored decision made under other rules is not reused.
    pub rules: i64,
}

/// What the workers share about the cache.
pub(crate) struct CacheView {
    pub store: Arc<state::Readers>,
    pub path: PathBuf,
    pub trust: bool,
    pub rules: i64,
    /// The roots, absolute: rows outside them are not this run's business.
    pub roots: Vec<PathBuf>,
    /// Set when the store failed a query: the run goes on without it.
    pub broken: Arc<AtomicBool>,
    /// The table holds no rows (a first run): nothing to look up.
    pub empty: bool,
}

/// A chunk's key in the store (absolute) and its stored rows that this run covers.
pub(crate) struct StoredChunk {
    pub key: PathBuf,
    /// Whether the run covers the whole chunk (else only rows under the roots count).
    pub whole_chunk: bool,
    pub rows: StoredRows,
}

/// A chunk's stored rows, sorted by path for lookups by binary search: the
/// store hands them over in that order, and hashing every path into a map
/// cost more than the searches.
#[derive(Default)]
pub(crate) struct StoredRows(Vec<state::Row>);

impl StoredRows {
    fn new(mut rows: Vec<state::Row>) -> StoredRows {
        if !rows.is_sorted_by(|a, b| a.rel <= b.rel) {
            rows.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
        }
        StoredRows(rows)
    }

    pub fn get(&self, rel: &[u8]) -> Option<&state::Row> {
        self.0.binary_search_by(|row| row.rel.as_slice().cmp(rel)).ok().map(|at| &self.0[at])
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_keys(self) -> impl Iterator<Item = Vec<u8>> {
        self.0.into_iter().map(|row| row.rel)
    }
}

impl CacheView {
    /// Whether the store will serve most of the run's files (a re-run), so few are read.
    pub(crate) fn serves_most(view: Option<&CacheView>) -> bool {
        view.is_some_and(|v| v.trust && !v.empty)
    }

    /// The chunk's stored rows in `table`, by path below the chunk folder;
    /// none when the store is not trusted or has failed.
    pub(crate) fn stored(&self, table: state::Table, chunk: &Chunk) -> StoredChunk {
        let folder = std::path::absolute(&chunk.folder).unwrap_or_else(|_| chunk.folder.clone());
        let key = std::path::absolute(&chunk.key).unwrap_or_else(|_| chunk.key.clone());
        // Rows outside the roots belong to files this run does not look at (a scan of one album
        // of a folder of albums): they are neither compared nor replaced.
        let whole_chunk = self.roots.iter().any(|root| folder.starts_with(root));
        let mut rows = StoredRows::default();
        if self.trust && !self.empty && !self.broken.load(Ordering::Relaxed) {
            match self.store.chunk(table, &key) {
                Ok(found) => {
                    rows = StoredRows::new(
                        found
                            .into_iter()
                            .filter(|row| whole_chunk || in_roots(&folder, &row.rel, &self.roots))
                            .collect(),
                    )
                }
                Err(e) => {
                    if !self.broken.swap(true, Ordering::Relaxed) {
                        eprintln!(
                            "reeltag: the state file {} cannot be read ({e}); going on without it",
                            self.path.display()
                        );
                    }
                }
            }
        }
        StoredChunk { key, whole_chunk, rows }
    }
}

/// How one chunk's stored rows must change.
struct Update {
    chunk: PathBuf,
    rows: Vec<state::Row>,
    /// The stored rows to replace: all of the chunk's, or (when the run
    /// covers only part of it) these.
    replace: Option<Vec<Vec<u8>>>,
}

/// Counts for the summary line.
#[derive(Debug, Default)]
pub struct Tally {
    /// Files whose record came from the state store instead of a read.
    pub cached: usize,
    /// The state store failed during the run: it should not be trusted again.
    pub store_failed: bool,
    pub read: usize,
    pub skipped: usize,
    pub failed: usize,
    pub score: usize,
    pub song: usize,
    pub none: usize,
}

/// A candidate's outcome with what the store knew of it.
struct Outcome {
    slot: Slot,
    /// The file's key, when it could be taken.
    key: Option<Key>,
    /// The rules fingerprint of the stored decision, and whether there is
    /// one, when the stored record was reused.
    stored_decision: Option<(Option<i64>, bool)>,
    /// The stored record was reused: a rewrite of the chunk copies its bytes
    /// from the store's rows (no copy is made for a chunk left as it is).
    stored_record: bool,
}

/// What the scan's workers share; owned, since a worker stuck in a parse may outlive the run.
struct Shared {
    candidates: Vec<PathBuf>,
    chunks: Vec<Chunk>,
    parts: Parts<Outcome>,
    rules: Rules,
    bar: indicatif::ProgressBar,
    view: Option<CacheView>,
    limit: Duration,
}

/// A finished chunk: its rows by candidate index, how many came from the store, and its store update.
type Finished = (Vec<(usize, Slot)>, usize, Option<Update>);

/// Reads (or looks up) one part's files; classifies the chunk once all its parts are in.
fn read_part(shared: &Shared, part: usize, watch: &mut Watch<'_>) -> Result<Option<Finished>, Lost> {
    let Part { chunk: index, start, end } = shared.parts.list[part];
    let chunk = &shared.chunks[index];
    let stored = shared.view.as_ref().map(|view| view.stored(state::Table::Scan, chunk));
    let mut outcomes = Vec::with_capacity(end - start);
    let mut last_decision = None;
    for (item, &i) in chunk.members[start..end].iter().enumerate() {
        let path = &shared.candidates[i];
        let looked = match &stored {
            // Nothing stored: the key comes with the read, from the open file.
            Some(stored) if stored.rows.is_empty() => Err(None),
            Some(stored) => lookup(path, &rel_of(path, &chunk.folder), &stored.rows, &mut last_decision).map_err(Some),
            None => Err(None),
        };
        outcomes.push(match looked {
            Ok(outcome) => outcome,
            Err(looked_key) => {
                let keyed = stored.is_some() && looked_key.is_none();
                let (slot, key) = match watch.item(item, || {
                    if keyed {
                        let (read, metadata) = read_track_with_metadata(path);
                        (read, metadata.map(|m| Key::of(&m)))
                    } else {
                        (read_track_here(path), looked_key.flatten())
                    }
                }) {
                    Ok((read, key)) => (slot_of(read), key),
                    Err(Lost::TimedOut) => (Slot::Failed(abandoned(path, Stage::Read, shared.limit)), None),
                    Err(Lost::Abandoned) => return Err(Lost::Abandoned),
                };
                Outcome { slot, key, stored_decision: None, stored_record: false }
            }
        });
    }
    shared.bar.inc((end - start) as u64);
    let Some(outcomes) = shared.parts.complete(part, outcomes, chunk.members.len()) else { return Ok(None) };
    Ok(Some(finish_chunk(shared, chunk, outcomes, stored)))
}

/// Classifies a chunk whose files are all in and, with a store, works out its update.
fn finish_chunk(shared: &Shared, chunk: &Chunk, outcomes: Vec<Outcome>, stored: Option<StoredChunk>) -> Finished {
    let Some((cache, StoredChunk { key, whole_chunk, rows: stored })) = shared.view.as_ref().zip(stored) else {
        let (slots, _) = decide(chunk, outcomes, &shared.rules, false, &|_| None);
        return (slots, 0, None);
    };
    let reused = outcomes.iter().filter(|o| o.stored_record).count();
    let clean = reused == outcomes.len()
        && stored.len() == outcomes.len()
        && outcomes.iter().all(|o| match (&o.slot, &o.stored_decision) {
            (Slot::Track(..), Some((Some(fingerprint), true))) => *fingerprint == cache.rules,
            (Slot::Track(..), _) => false,
            _ => true,
        });
    let stored_record =
        |index: usize| stored.get(&rel_of(&shared.candidates[index], &chunk.folder)).map(|row| row.record.clone());
    let (slots, rows) = decide(chunk, outcomes, &shared.rules, clean, &stored_record);
    let update = (!clean).then(|| {
        let rows = rows
            .into_iter()
            .map(|(i, key, record, decision)| state::Row {
                rel: rel_of(&shared.candidates[i], &chunk.folder),
                key,
                record,
                rules: decision.as_ref().map(|_| cache.rules),
                decision,
            })
            .collect();
        let replace = (!whole_chunk).then(|| stored.into_keys().collect());
        Update { chunk: key, rows, replace }
    });
    (slots, reused, update)
}

/// The stored record when the file's key matches it; else the key (when the
/// file could be looked at), for a fresh read.
fn lookup<'s>(
    path: &Path,
    rel: &[u8],
    stored: &'s StoredRows,
    last_decision: &mut Option<(&'s [u8], Decision)>,
) -> Result<Outcome, Option<Key>> {
    let key = std::fs::metadata(path).ok().map(|m| Key::of(&m));
    if let (Some(key), Some(row)) = (key, stored.get(rel))
        && row.key == key
        && let Some(record) = Record::decode(&row.record)
    {
        let slot = match record.restore(path) {
            Restored::Track(track) => {
                let decision = match (row.decision.as_deref(), &*last_decision) {
                    // An album's tracks mostly share a decision: decoded once per run of equal ones.
                    (Some(bytes), Some((last, decision))) if *last == bytes => decision.clone(),
                    (Some(bytes), _) => match CachedDecision::decode(bytes) {
                        Some(cached) => {
                            let decision = cached.restore();
                            *last_decision = Some((bytes, decision.clone()));
                            decision
                        }
                        None => placeholder(),
                    },
                    (None, _) => placeholder(),
                };
                Slot::Track(track, decision)
            }
            Restored::Failed(err) => Slot::Failed(err),
            Restored::NotAudio => Slot::NotAudio,
        };
        return Ok(Outcome {
            slot,
            key: Some(key),
            stored_decision: Some((row.rules, row.decision.is_some())),
            stored_record: true,
        });
    }
    Err(key)
}

/// Stands in for a decision until the chunk is classified.
fn placeholder() -> Decision {
    Decision::from_reasons(Role::None, 0.0, None, Vec::new())
}

fn slot_of(outcome: ReadOutcome) -> Slot {
    match outcome {
        ReadOutcome::Track(track) => Slot::Track(track, placeholder()),
        ReadOutcome::NotAudio => Slot::NotAudio,
        ReadOutcome::Failed(err) => Slot::Failed(err),
    }
}

/// A stored row: candidate index, key, record and decision, both encoded.
type RowParts = (usize, Key, Vec<u8>, Option<Vec<u8>>);

/// Classifies the chunk's tracks (unless every decision came from the store)
/// and, with a store, builds the rows to keep. `stored_record` gives the
/// stored bytes of a reused record, by candidate index.
fn decide(
    chunk: &Chunk,
    outcomes: Vec<Outcome>,
    rules: &Rules,
    keep_stored: bool,
    stored_record: &dyn Fn(usize) -> Option<Vec<u8>>,
) -> (Vec<(usize, Slot)>, Vec<RowParts>) {
    let mut slots: Vec<(usize, Slot)> = Vec::with_capacity(outcomes.len());
    let mut keys: Vec<(Option<Key>, bool)> = Vec::with_capacity(outcomes.len());
    for (&index, outcome) in chunk.members.iter().zip(outcomes) {
        slots.push((index, outcome.slot));
        keys.push((outcome.key, outcome.stored_record));
    }
    if !keep_stored {
        let mut tracks: Vec<Track> = Vec::new();
        let mut track_slots: Vec<usize> = Vec::new();
        for (n, (_, slot)) in slots.iter_mut().enumerate() {
            if matches!(slot, Slot::Track(..)) {
                let Slot::Track(track, _) = std::mem::replace(slot, Slot::NotAudio) else { unreachable!() };
                tracks.push(*track);
                track_slots.push(n);
            }
        }
        let decisions = crate::decide_all(&tracks, rules);
        for ((n, track), decision) in track_slots.into_iter().zip(tracks).zip(decisions) {
            slots[n].1 = Slot::Track(Box::new(track), decision);
        }
    }
    if keep_stored || keys.iter().all(|(key, _)| key.is_none()) {
        return (slots, Vec::new());
    }
    // An album's tracks mostly share one decision: encode it once per run of equal ones.
    let mut last: Option<&Decision> = None;
    let mut encoded: Vec<Vec<u8>> = Vec::new();
    let decisions: Vec<Option<usize>> = slots
        .iter()
        .map(|(_, slot)| {
            let Slot::Track(_, decision) = slot else { return None };
            if !last.is_some_and(|previous| previous.prints_as(decision)) {
                encoded.push(CachedDecision::encode_decision(decision));
            }
            last = Some(decision);
            Some(encoded.len() - 1)
        })
        .collect();
    let rows = slots
        .iter()
        .zip(keys)
        .zip(decisions)
        .filter_map(|(((index, slot), (key, reused)), decision)| {
            let key = key?;
            let stored_record = if reused { stored_record(*index) } else { None };
            let (record, decision) = match slot {
                Slot::Track(track, _) => {
                    (stored_record.unwrap_or_else(|| Record::encode_track(track)), decision.map(|n| encoded[n].clone()))
                }
                Slot::Failed(err) => (stored_record.unwrap_or_else(|| Record::of_error(err).encode()), None),
                Slot::NotAudio => (stored_record.unwrap_or_else(|| Record::NotAudio.encode()), None),
            };
            Some((*index, key, record, decision))
        })
        .collect();
    (slots, rows)
}

/// Walks, reads, classifies and writes every file under the input's roots.
/// Write errors stop the writing, not the draining of the workers; the first
/// one is returned with the tally. With a cache, unchanged files come from
/// the store and the store is brought up to date.
pub fn scan(
    input: &Input,
    rules: &Rules,
    report: &mut dyn Report,
    show_progress: bool,
    cache: Option<&mut Cache>,
) -> (Tally, io::Result<()>) {
    let crate::walk::Walked { candidates, skipped, errors: walk_errors, .. } =
        crate::walk::walk(&input.roots, &input.walk);
    let chunks = chunks(&candidates);
    let bar = crate::progress::bar(candidates.len(), show_progress);
    let mut tally = Tally { skipped, failed: walk_errors.len(), ..Tally::default() };
    let mut walk_errors = walk_errors.iter().peekable();
    let mut written: io::Result<()> = Ok(());
    let roots: Vec<PathBuf> =
        input.roots.iter().map(|r| std::path::absolute(r).unwrap_or_else(|_| r.clone())).collect();
    let broken = Arc::new(AtomicBool::new(false));
    let mut store_error: Option<rusqlite::Error> = None;
    let mut cached = 0;
    let store_path = cache.as_ref().map(|c| c.store.path.clone()).unwrap_or_default();
    let (view, mut writer) = match cache {
        Some(Cache { store, trust, rules }) => {
            let view = CacheView {
                store: Arc::clone(&store.readers),
                path: store.path.clone(),
                trust: *trust,
                rules: *rules,
                roots: roots.clone(),
                broken: Arc::clone(&broken),
                empty: store.readers.is_empty(state::Table::Scan).unwrap_or(false),
            };
            (Some(view), Some(&mut store.writer))
        }
        None => (None, None),
    };
    let shared = Arc::new(Shared {
        parts: Parts::new(&chunks),
        candidates,
        chunks,
        rules: rules.clone(),
        bar: bar.clone(),
        view,
        limit: PARSE_TIME_LIMIT,
    });
    let work_on = Arc::clone(&shared);
    // Bounded: when printing falls behind, workers wait instead of piling up finished chunks.
    let started = Supervisor::start(
        "reeltag-read",
        shared.parts.list.len(),
        input.threads,
        PARSE_TIME_LIMIT,
        8,
        Box::new(move |part, watch| read_part(&work_on, part, watch)),
    );
    let mut supervisor = match started {
        Ok(mut started) => {
            let layout: Layout<Shared> = |s| (&s.parts.list, &s.chunks, &s.candidates);
            crate::chunk::warm_ahead(&mut started, input, shared.view.as_ref(), &shared, layout);
            started
        }
        Err(e) => return (tally, Err(io::Error::other(format!("cannot start the worker threads: {e}")))),
    };
    let candidates = &shared.candidates;
    let mut pending: HashMap<usize, Slot> = HashMap::new();
    let mut next = 0;
    let mut emit = |row: Row<'_>, written: &mut io::Result<()>| {
        if written.is_ok() {
            *written = report.record(&row);
        }
    };
    let mut unfinished = shared.chunks.len();
    while unfinished > 0 {
        let (batch, reused, update) = match supervisor.next() {
            Ok(finished) => finished,
            Err(e) => {
                bar.finish_and_clear();
                return (tally, Err(e));
            }
        };
        unfinished -= 1;
        cached += reused;
        if let (Some(update), Some(writer)) = (update, writer.as_deref_mut())
            && store_error.is_none()
            && let Err(e) = writer.put_chunk(state::Table::Scan, &update.chunk, &update.rows, update.replace.as_deref())
        {
            store_error = Some(e);
        }
        pending.extend(batch);
        while let Some(slot) = pending.remove(&next) {
            let path = &candidates[next];
            while let Some(err) = walk_errors.next_if(|e| e.path < *path) {
                emit(Row::Failed(err), &mut written);
            }
            match &slot {
                Slot::Track(track, decision) => {
                    tally.read += 1;
                    match decision.role {
                        Role::Score => tally.score += 1,
                        Role::Song => tally.song += 1,
                        Role::None => tally.none += 1,
                    }
                    emit(Row::Track { track, decision }, &mut written);
                }
                Slot::Failed(err) => {
                    tally.failed += 1;
                    emit(Row::Failed(err), &mut written);
                }
                Slot::NotAudio => tally.skipped += 1,
            }
            next += 1;
        }
    }
    for err in walk_errors {
        emit(Row::Failed(err), &mut written);
    }
    drop(supervisor);
    bar.finish_and_clear();
    if let Some(writer) = writer {
        tally.cached = cached;
        if broken.load(Ordering::Relaxed) {
            tally.store_failed = true;
        } else if store_error.is_none()
            && let Err(e) = finish_store(writer, &shared.chunks, &roots, input.walk.max_depth.is_none())
        {
            store_error = Some(e);
        }
        if let Some(e) = store_error {
            tally.store_failed = true;
            eprintln!("reeltag: cannot update the state file {}: {e}", store_path.display());
        }
    }
    if written.is_ok() {
        written = report.finish();
    }
    (tally, written)
}

/// Forgets folders that are gone, then makes the run's updates durable.
pub(crate) fn finish_store(
    writer: &mut state::Writer,
    chunks: &[Chunk],
    roots: &[PathBuf],
    complete_walk: bool,
) -> rusqlite::Result<()> {
    // A walk cut short by --max-depth did not see everything below the roots.
    if complete_walk {
        let seen: HashSet<PathBuf> =
            chunks.iter().map(|c| std::path::absolute(&c.key).unwrap_or_else(|_| c.key.clone())).collect();
        for root in roots {
            writer.prune(root, &seen)?;
        }
    }
    writer.finish()
}
