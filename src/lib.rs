//! reeltag: a tagger for film, TV, game and stage music.
//!
//! The pipeline, one module per stage:
//! [`walk`] → [`read`] → [`album`] (group) → [`classify`] → report.
//! Classification is a pure function over plain data; file I/O lives in
//! `walk` and `read` only.

pub mod album;
pub mod apply;
pub mod batch;
mod chunk;
pub mod classify;
pub mod cli;
pub mod config;
pub mod error;
pub mod eval;
pub mod explain;
pub mod fields;
pub mod journal;
pub mod native;
pub mod plan;
mod progress;
pub mod read;
pub mod report;
pub mod rules;
pub mod state;
mod stream;
mod supervise;
pub mod tag;
mod tag_stream;
pub mod track;
pub mod walk;
mod warm;
pub mod window;
mod xattrs;

use std::io::{self, Write};
use std::time::Instant;

use rayon::prelude::*;

use crate::classify::Decision;
use crate::config::{Input, Job, ScanConfig};
use crate::error::{Exit, FatalError, FileError};
use crate::read::ReadOutcome;
use crate::rules::Rules;
use crate::track::Track;

/// What the walk and read stages produced.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Tracks read, sorted by path.
    pub tracks: Vec<Track>,
    /// Per-file failures (walk and read), sorted by path.
    pub failed: Vec<FileError>,
    /// Files passed over as not audio.
    pub skipped: usize,
}

/// Runs one job and returns the exit code it earned.
pub fn run(job: Job) -> Result<Exit, FatalError> {
    match job {
        Job::Scan(config) => scan(&config, false),
        Job::Stats(config) => scan(&config, true),
        Job::Explain(config) => explain::run(&config),
        Job::Eval(config) => eval::run(&config),
        Job::Tag(config) => tag::run_tag(&config),
        Job::Undo(config) => tag::run_undo(&config),
        Job::Runs(config) => tag::run_runs(&config),
    }
}

pub(crate) fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, FatalError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(|_| read::configure_thread())
        .build()
        .map_err(|e| FatalError::Threads(e.to_string()))
}

/// Walks and reads: every candidate under the input's roots, read in parallel.
pub fn walk_and_read(input: &Input, show_progress: bool, pool: &rayon::ThreadPool) -> Scanned {
    let walked = walk::walk(&input.roots, &input.walk);
    let bar = progress::bar(walked.candidates.len(), show_progress);
    // par_iter + collect keeps the (sorted) candidate order whatever the thread count.
    let outcomes: Vec<ReadOutcome> = pool.install(|| {
        walked
            .candidates
            .par_iter()
            .map(|path| {
                let outcome = read::read_track(path);
                bar.inc(1);
                outcome
            })
            .collect()
    });
    bar.finish_and_clear();

    let mut scanned = Scanned { skipped: walked.skipped, failed: walked.errors, ..Scanned::default() };
    for outcome in outcomes {
        match outcome {
            ReadOutcome::Track(track) => scanned.tracks.push(*track),
            ReadOutcome::NotAudio => scanned.skipped += 1,
            ReadOutcome::Failed(err) => scanned.failed.push(err),
        }
    }
    scanned.failed.sort_by(|a, b| a.path.cmp(&b.path));
    scanned
}

/// Groups tracks into albums and decides every track; decisions come back in
/// track order.
pub fn decide_all(tracks: &[Track], rules: &Rules) -> Vec<Decision> {
    let albums = album::group(tracks);
    let mut decisions: Vec<Option<Decision>> = Vec::new();
    decisions.resize_with(tracks.len(), || None);
    // Sequential: callers classify one chunk of albums per worker already.
    let mut members: Vec<&Track> = Vec::new();
    for album in &albums {
        members.clear();
        members.extend(album.tracks.iter().map(|&i| &tracks[i]));
        for (&index, decision) in album.tracks.iter().zip(classify::classify(&members, rules)) {
            decisions[index] = Some(decision);
        }
    }
    decisions.into_iter().map(|d| d.expect("album grouping covers every track")).collect()
}

/// `scan`, or `stats` (the same pipeline with a counting report).
fn scan(config: &ScanConfig, stats: bool) -> Result<Exit, FatalError> {
    let started = Instant::now();
    let stdout = Box::new(io::BufWriter::new(io::stdout().lock()));
    let mut report: Box<dyn report::Report> = if stats {
        Box::new(report::stats::StatsReport::new(config.format, stdout))
    } else {
        report::printer(config.format, stdout)
    };
    let mut cache = open_cache(&config.state, &config.rules, config.quiet)?;
    let (tally, written) = stream::scan(&config.input, &config.rules, &mut *report, config.progress, cache.as_mut());
    if tally.store_failed
        && let Some(cache) = cache.take()
    {
        quarantine(cache);
    }
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(Exit::Success),
        Err(e) => return Err(FatalError::Output(e)),
        Ok(()) => {}
    }
    let seconds = started.elapsed().as_secs_f64();
    if !config.quiet {
        let files = tally.read + tally.failed;
        let rate = if seconds > 0.0 { files as f64 / seconds } else { 0.0 };
        eprintln!(
            "reeltag: {} read, {} skipped, {} failed in {seconds:.2} s ({rate:.0} files/s); score {}, song {}, none {}{}",
            tally.read,
            tally.skipped,
            tally.failed,
            tally.score,
            tally.song,
            tally.none,
            if cache.is_some() { format!("; {} unchanged since the last run", tally.cached) } else { String::new() },
        );
    }
    Ok(if tally.failed == 0 { Exit::Success } else { Exit::SomeFailed })
}

/// Opens the state file a run asked for. A store another run holds is waited
/// for; an unusable one is moved aside and rebuilt, with a warning.
pub(crate) fn quarantine(cache: stream::Cache) {
    match cache.store.quarantine() {
        Ok(Some(aside)) => {
            eprintln!("reeltag: moved the state file aside to {}; the next run builds a new one", aside.display())
        }
        Ok(None) => eprintln!("reeltag: the new state file was not kept; the next run builds it again"),
        Err(e) => eprintln!("reeltag: cannot move the damaged state file aside: {e}; delete it or give --no-state"),
    }
}

pub(crate) fn open_cache(
    state: &config::StateUse,
    rules: &Rules,
    quiet: bool,
) -> Result<Option<stream::Cache>, FatalError> {
    let Some(path) = &state.path else { return Ok(None) };
    let (store, warning) = state::Store::open(path)?;
    if let Some(warning) = warning
        && !quiet
    {
        eprintln!("reeltag: {warning}");
    }
    Ok(Some(stream::Cache { store, trust: state.trust, rules: state::fingerprint(rules) }))
}

/// Writes a fatal error the way every entry point does.
pub fn print_fatal(err: &FatalError) {
    let _ = writeln!(io::stderr(), "reeltag: {}", error::error_chain(err));
}
