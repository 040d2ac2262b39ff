//! `reeltag tag`, `reeltag undo` and `reeltag runs`: the writing commands.
//!
//! tag: walk → read (native tags) → group → classify → plan → report (dry
//! run) or apply. undo: the journal's old values, planned back and applied
//! the same safe way (and journaled, so an undo can itself be undone).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::apply::apply_file;
use crate::batch::{BatchWriter, WriteJob};
use crate::classify::Role;
use crate::config::{RunsConfig, TagConfig, UndoConfig};
use crate::error::{Exit, FatalError, FileError, Stage};
use crate::fields::{FIELDS, Field, Kind};
use crate::journal::{self, Journal, Stamp};
use crate::native::NativeFile;
use crate::plan::{Change, PlanInput, Values, plan_album};
use crate::read::{has_audio_extension, parse_number};
use crate::report::plan::{PlanReport, PlanRow, Status};
use crate::track::{Tags, Track};

/// Set by Ctrl-C: files in flight finish, no new file starts.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A file read for tagging: its values, the track built from them, its stamp.
struct Read {
    values: Values,
    track: Track,
    stamp: Stamp,
}

fn read_values(path: &Path) -> Result<Option<Read>, FileError> {
    let err = |e: &(dyn std::error::Error + 'static)| FileError::new(path, Stage::Read, e);
    let before = Stamp::read(path).map_err(|e| err(&e))?;
    let mut file = std::fs::File::open(path).map_err(|e| err(&e))?;
    let native = match NativeFile::read_for_planning(&mut file) {
        Ok(native) => native,
        // Not audio and not named like audio: skipped, as a scan does.
        Err(e) if e.is_unknown_format() && !has_audio_extension(path) => return Ok(None),
        Err(e) => return Err(err(&e)),
    };
    let values: Values = FIELDS.iter().map(|s| (s.field, native.get(s.field))).collect();
    let untagged = values.values().all(Vec::is_empty);
    if untagged
        && matches!(native.format(), "mp3" | "aac")
        && !crate::read::is_real_stream(path, lofty::file::FileType::Mpeg)?
    {
        return Ok(None);
    }
    let track =
        Track { path: path.to_path_buf(), format: native.format(), tag_types: Vec::new(), tags: tags_of(&values) };
    Ok(Some(Read { values, track, stamp: before }))
}

/// The track model from raw values, for classification.
fn tags_of(values: &Values) -> Tags {
    let first = |f: Field| values.get(&f).and_then(|v| v.first()).cloned();
    let list = |f: Field| values.get(&f).cloned().unwrap_or_default();
    let number = |f: Field| first(f).as_deref().and_then(parse_number);
    Tags {
        title: first(Field::Title),
        artist: list(Field::Artist),
        album: first(Field::Album),
        albumartist: first(Field::AlbumArtist),
        composer: list(Field::Composer),
        genre: list(Field::Genre),
        track: number(Field::Track),
        track_total: number(Field::TrackTotal),
        disc: number(Field::Disc),
        disc_total: number(Field::DiscTotal),
        date: first(Field::Date),
        grouping: first(Field::Grouping),
        comment: first(Field::Comment),
        releasetype: list(Field::ReleaseType),
        compilation: first(Field::Compilation).map(|v| v == "1"),
        lyrics: first(Field::Lyrics).is_some(),
    }
}

fn install_ctrl_c() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

struct Counts {
    to_change: usize,
    unchanged: usize,
    written: usize,
    failed: usize,
}

/// `reeltag tag`.
pub fn run_tag(config: &TagConfig) -> Result<Exit, FatalError> {
    let started = Instant::now();
    install_ctrl_c();
    let pool = crate::thread_pool(config.input.threads)?;
    let walked = crate::walk::walk(&config.input.roots, &config.input.walk);
    let (reads, mut failed, skipped) = read_all(&pool, &walked.candidates, config.progress);
    if !config.dry_run {
        // Left by a killed run: never an original, so safe to remove.
        for temp in &walked.stale_temps {
            let _ = std::fs::remove_file(temp);
        }
    }
    failed.extend(walked.errors);
    // Split so classification borrows the tracks without a copy of each.
    let (tracks, states): (Vec<Track>, Vec<(Values, Stamp)>) =
        reads.into_iter().map(|r| (r.track, (r.values, r.stamp))).unzip();
    let decisions = pool.install(|| crate::decide_all(&tracks, &config.rules));
    let roles: Vec<Role> = decisions.iter().map(|d| d.role).collect();
    let plans = pool.install(|| plan_all(&tracks, &states, &roles, &config.rules.plan));

    let journal = if config.dry_run || plans.iter().all(Vec::is_empty) {
        None
    } else {
        let dir = config
            .journal_dir
            .as_deref()
            .ok_or_else(|| FatalError::Config("no journal folder: give --journal DIR".into()))?;
        Some(Mutex::new(
            Journal::create(dir, "tag", &config.input.roots)
                .map_err(|e| FatalError::Config(format!("cannot create the journal in {}: {e}", dir.display())))?,
        ))
    };
    let statuses: Vec<Status> = match &journal {
        None => plans.iter().map(|p| if p.is_empty() { Status::Unchanged } else { Status::Planned }).collect(),
        Some(journal) => apply_in_batches(&pool, &tracks, &states, &plans, &config.apply, journal),
    };

    let mut counts = Counts { to_change: 0, unchanged: 0, written: 0, failed: failed.len() };
    let mut report = PlanReport::new(config.format, Box::new(io::BufWriter::new(io::stdout().lock())));
    failed.sort_by(|a, b| a.path.cmp(&b.path));
    let written = (|| -> io::Result<()> {
        for err in &failed {
            report.failed_read(err)?;
        }
        for ((track, changes), (status, role)) in tracks.iter().zip(&plans).zip(statuses.iter().zip(&roles)) {
            match status {
                Status::Unchanged => counts.unchanged += 1,
                Status::Planned => counts.to_change += 1,
                Status::Written => counts.written += 1,
                Status::Failed(_) => counts.failed += 1,
            }
            report.record(&PlanRow { path: &track.path, role: Some(*role), changes, status })?;
        }
        report.finish()
    })();
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(FatalError::Output(e)),
        Ok(()) => {}
    }
    if let Some(journal) = journal {
        let mut journal = journal.into_inner().unwrap_or_else(|p| p.into_inner());
        let _ = journal.record_durably(&[journal::Entry::End { changed: counts.written, failed: counts.failed }]);
        if !config.quiet {
            eprintln!("reeltag: journal {} (undo with: reeltag undo {})", journal.path.display(), journal.run);
        }
    }
    if !config.quiet {
        let role_count = |r: Role| roles.iter().filter(|x| **x == r).count();
        let action = if config.dry_run {
            format!("{} to change", counts.to_change)
        } else {
            format!("{} written", counts.written)
        };
        eprintln!(
            "reeltag: {action}, {} unchanged, {} failed, {skipped} skipped in {:.2} s; score {}, song {}, none {}{}",
            counts.unchanged,
            counts.failed,
            started.elapsed().as_secs_f64(),
            role_count(Role::Score),
            role_count(Role::Song),
            role_count(Role::None),
            if config.dry_run { " (dry run: no file was changed)" } else { "" },
        );
    }
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Ok(Exit::Interrupted);
    }
    Ok(if counts.failed > 0 { Exit::SomeFailed } else { Exit::Success })
}

/// Applies every non-empty plan through a [`BatchWriter`]: copies are
/// prepared in parallel and committed in batches, the commit of one batch
/// overlapping the preparation of the next. Ctrl-C lets files in flight finish.
fn apply_in_batches(
    pool: &rayon::ThreadPool,
    tracks: &[Track],
    states: &[(Values, Stamp)],
    plans: &[Vec<Change>],
    options: &crate::apply::ApplyOptions,
    journal: &Mutex<Journal>,
) -> Vec<Status> {
    let mut statuses: Vec<Status> =
        plans.iter().map(|p| if p.is_empty() { Status::Unchanged } else { Status::Planned }).collect();
    let mut record = |(i, result): crate::batch::Outcome| {
        statuses[i] = match result {
            Ok(_) => Status::Written,
            Err(e) => Status::Failed(e),
        };
    };
    std::thread::scope(|scope| {
        let mut writer = BatchWriter::new(scope, pool, options, journal);
        for i in (0..plans.len()).filter(|&i| !plans[i].is_empty()) {
            let job = WriteJob { id: i, path: tracks[i].path.clone(), stamp: states[i].1, changes: plans[i].clone() };
            writer.push(job).into_iter().for_each(&mut record);
        }
        writer.finish().into_iter().for_each(&mut record);
    });
    statuses
}

fn read_all(pool: &rayon::ThreadPool, paths: &[PathBuf], progress: bool) -> (Vec<Read>, Vec<FileError>, usize) {
    let bar = crate::progress::bar(paths.len(), progress);
    let outcomes: Vec<Result<Option<Read>, FileError>> = pool.install(|| {
        paths
            .par_iter()
            .map(|p| {
                let r = crate::read::guarded(p, || read_values(p));
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let (mut reads, mut failed, mut skipped) = (Vec::new(), Vec::new(), 0);
    for outcome in outcomes {
        match outcome {
            Ok(Some(read)) => reads.push(read),
            Ok(None) => skipped += 1,
            Err(e) => failed.push(e),
        }
    }
    (reads, failed, skipped)
}

fn plan_all(
    tracks: &[Track],
    states: &[(Values, Stamp)],
    roles: &[Role],
    options: &crate::plan::PlanOptions,
) -> Vec<Vec<Change>> {
    let albums = crate::album::group(tracks);
    let per_album: Vec<Vec<Vec<Change>>> = albums
        .par_iter()
        .map(|album| {
            let inputs: Vec<PlanInput<'_>> = album
                .tracks
                .iter()
                .map(|&i| PlanInput { path: &tracks[i].path, values: &states[i].0, role: roles[i] })
                .collect();
            plan_album(&inputs, options)
        })
        .collect();
    let mut plans: Vec<Vec<Change>> = vec![Vec::new(); tracks.len()];
    for (album, changes) in albums.iter().zip(per_album) {
        for (&i, changes) in album.tracks.iter().zip(changes) {
            plans[i] = changes;
        }
    }
    plans
}

/// `reeltag undo [RUN]`.
pub fn run_undo(config: &UndoConfig) -> Result<Exit, FatalError> {
    install_ctrl_c();
    let runs = journal::list_runs(&config.journal_dir)
        .map_err(|e| FatalError::Config(format!("cannot read the journal {}: {e}", config.journal_dir.display())))?;
    let run = match &config.run {
        Some(id) => runs.iter().find(|r| &r.id == id),
        None => runs.iter().rev().find(|r| r.command == "tag" && !r.intents.is_empty()),
    }
    .ok_or_else(|| {
        FatalError::Config(match &config.run {
            Some(id) => format!("no run {id} in {}; `reeltag runs` lists them", config.journal_dir.display()),
            None => format!("no run to undo in {}", config.journal_dir.display()),
        })
    })?;

    let mut journal: Option<Mutex<Journal>> = None;
    let mut failed = 0;
    let mut restored = 0;
    let mut report_error: Option<io::Error> = None;
    let mut report = PlanReport::new(config.format, Box::new(io::BufWriter::new(io::stdout().lock())));
    // Later intents for one path hold the newest state: undo newest first.
    for (path, changes) in run.intents.iter().rev() {
        if INTERRUPTED.load(Ordering::SeqCst) {
            break;
        }
        let back: Vec<Change> = changes
            .iter()
            .filter_map(|c| c.to_change())
            .map(|c| Change { field: c.field, old: c.new, new: c.old })
            .collect();
        let done = run.done.iter().rev().find(|(p, _)| p == path).map(|(_, s)| *s);
        let status = match undo_one(path, &back, done, config, &mut journal, &run.id) {
            Ok(true) => {
                restored += 1;
                Status::Written
            }
            Ok(false) => Status::Unchanged,
            Err(e) => {
                failed += 1;
                Status::Failed(e)
            }
        };
        // A closed pipe must not stop the restore half-way: keep going, report at the end.
        if report_error.is_none() {
            report_error = report.record(&PlanRow { path, role: None, changes: &back, status: &status }).err();
        }
    }
    if report_error.is_none() {
        report_error = report.finish().err();
    }
    if let Some(journal) = journal {
        let mut journal = journal.into_inner().unwrap_or_else(|p| p.into_inner());
        let _ = journal.record_durably(&[journal::Entry::End { changed: restored, failed }]);
    }
    eprintln!("reeltag: undo of run {}: {restored} restored, {failed} failed", run.id);
    if let Some(e) = report_error.filter(|e| e.kind() != io::ErrorKind::BrokenPipe) {
        return Err(FatalError::Output(e));
    }
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Ok(Exit::Interrupted);
    }
    Ok(if failed > 0 { Exit::SomeFailed } else { Exit::Success })
}

/// Restores one file; `Ok(false)` when it already holds the old values.
fn undo_one(
    path: &Path,
    back: &[Change],
    done: Option<Stamp>,
    config: &UndoConfig,
    journal: &mut Option<Mutex<Journal>>,
    run: &str,
) -> Result<bool, FileError> {
    let err = |m: String, hint: &'static str| FileError::with_message(path, Stage::Undo, m, Some(hint));
    let read = read_values(path)?.ok_or_else(|| err("no longer an audio file".into(), "nothing to restore"))?;
    let current = |c: &Change| read.values.get(&c.field).cloned().unwrap_or_default();
    if back.iter().all(|c| current(c) == c.new) {
        return Ok(false);
    }
    let as_written = back.iter().all(|c| current(c) == c.old);
    let modified = done.is_some_and(|s| s != read.stamp) || !as_written;
    if modified && !config.force {
        return Err(err(
            format!("modified since run {run}"),
            "skipped; use --force to restore the journaled values anyway",
        ));
    }
    if journal.is_none() {
        let j = Journal::create(&config.journal_dir, "undo", &[PathBuf::from(run)])
            .map_err(|e| err(format!("cannot create the journal: {e}"), "check the journal folder"))?;
        *journal = Some(Mutex::new(j));
    }
    // With --force, "old" is what the file holds now, so the journal records it truly.
    let back: Vec<Change> =
        back.iter().map(|c| Change { field: c.field, old: current(c), new: c.new.clone() }).collect();
    let back: Vec<Change> = back.into_iter().filter(|c| c.old != c.new && spec_writable(c.field)).collect();
    let journal = journal.as_ref().expect("created above");
    crate::read::guarded(path, || apply_file(path, read.stamp, &back, &config.apply, journal))?;
    Ok(true)
}

fn spec_writable(field: Field) -> bool {
    crate::fields::spec(field).kind != Kind::Presence
}

/// `reeltag runs`.
pub fn run_runs(config: &RunsConfig) -> Result<Exit, FatalError> {
    let runs = journal::list_runs(&config.journal_dir)
        .map_err(|e| FatalError::Config(format!("cannot read the journal {}: {e}", config.journal_dir.display())))?;
    if runs.is_empty() {
        eprintln!("reeltag: no runs in {}", config.journal_dir.display());
    }
    for run in runs {
        let paths: Vec<String> = run.paths.iter().map(|p| p.display().to_string()).collect();
        println!(
            "{}  {:<4}  {:>6} files  {}{}",
            run.id,
            run.command,
            run.intents.len(),
            paths.join(" "),
            if run.finished { "" } else { "  (interrupted)" }
        );
    }
    Ok(Exit::Success)
}
