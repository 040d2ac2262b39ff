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

use crate::apply::apply_file;
use crate::config::{RunsConfig, TagConfig, UndoConfig};
use crate::error::{Exit, FatalError, FileError, Stage};
use crate::fields::{FIELDS, Field, Kind};
use crate::journal::{self, Journal, Stamp};
use crate::native::NativeFile;
use crate::plan::{Change, Values};
use crate::read::{has_audio_extension, parse_number};
use crate::report::plan::{PlanReport, PlanRow, Status};
use crate::track::{Tags, Track};

/// Set by Ctrl-C: files in flight finish, no new file starts.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A file read for tagging: its values, the track built from them, its stamp.
pub(crate) struct Read {
    pub values: Values,
    pub track: Track,
    pub stamp: Stamp,
}

/// Reads a file's native values. The stamp is taken before the read, so a
/// change during the read shows at commit time.
pub(crate) fn read_values(path: &Path) -> Result<Option<Read>, FileError> {
    let err = |e: &(dyn std::error::Error + 'static)| FileError::new(path, Stage::Read, e);
    let file = std::fs::File::open(path).map_err(|e| err(&e))?;
    // From the open file: one path lookup fewer than a `stat` before the open.
    let metadata = file.metadata().map_err(|e| err(&e))?;
    let before = Stamp::of(&metadata);
    let mut reader = crate::window::WindowReader::with_len(file, metadata.len());
    let native = match NativeFile::read_for_planning(&mut reader) {
        Ok(native) => native,
        // Not audio and not named like audio: skipped, as a scan does.
        Err(e) if e.is_unknown_format() && !has_audio_extension(path) => return Ok(None),
        Err(e) => return Err(err(&e)),
    };
    let values: Values = FIELDS.iter().map(|s| (s.field, native.get(s.field))).collect();
    let untagged = values.is_empty();
    if untagged
        && matches!(native.format(), "mp3" | "aac")
        && !crate::read::is_real_stream(path, lofty::file::FileType::Mpeg)?
    {
        return Ok(None);
    }
    let track = Track {
        path: path.to_path_buf(),
        format: native.format(),
        tag_types: Vec::new(),
        id3v2_version: None,
        tags: tags_of(&values),
    };
    Ok(Some(Read { values, track, stamp: before }))
}

/// The track model from raw values, for classification.
pub(crate) fn tags_of(values: &Values) -> Tags {
    let first = |f: Field| values.get(f).first().cloned();
    let list = |f: Field| values.get(f).to_vec();
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

pub(crate) fn install_ctrl_c() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// `reeltag tag`.
pub fn run_tag(config: &TagConfig) -> Result<Exit, FatalError> {
    let started = Instant::now();
    install_ctrl_c();
    // The journal is created up front, before any file is read: a run that
    // then writes nothing leaves an empty journal, which `runs` skips.
    let journal = if config.dry_run {
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
    let mut cache = crate::open_cache(&config.state, &config.rules, config.quiet)?;
    let mut report = PlanReport::new(config.format, Box::new(io::BufWriter::new(io::stdout().lock())));
    let write_pool = if config.dry_run { None } else { Some(crate::thread_pool(config.input.threads)?) };
    let job = crate::tag_stream::Drive {
        input: &config.input,
        rules: &config.rules,
        plan: &config.rules.plan,
        progress: config.progress,
        writing: journal.as_ref().zip(write_pool.as_ref()).map(|(j, pool)| (&config.apply, j, pool)),
    };
    let (tally, written) = crate::tag_stream::drive(&job, &mut report, cache.as_mut());
    let written = written.and_then(|()| report.finish());
    if tally.store_failed
        && let Some(cache) = cache.take()
    {
        crate::quarantine(cache);
    }
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(FatalError::Output(e)),
        Ok(()) => {}
    }
    if let Some(journal) = journal {
        let mut journal = journal.into_inner().unwrap_or_else(|p| p.into_inner());
        let _ = journal.record_durably(&[journal::Entry::End { changed: tally.written, failed: tally.failed }]);
        if tally.attempted == 0 {
            // Nothing was written: a journal of no changes would only clutter `runs`.
            let _ = std::fs::remove_file(&journal.path);
        } else if !config.quiet {
            eprintln!("reeltag: journal {} (undo with: reeltag undo {})", journal.path.display(), journal.run);
        }
    }
    if !config.quiet {
        let action = if config.dry_run {
            format!("{} to change", tally.to_change)
        } else {
            format!("{} written", tally.written)
        };
        eprintln!(
            "reeltag: {action}, {} unchanged, {} failed, {} skipped in {:.2} s; score {}, song {}, none {}{}{}",
            tally.unchanged,
            tally.failed,
            tally.skipped,
            started.elapsed().as_secs_f64(),
            tally.score,
            tally.song,
            tally.none,
            if cache.is_some() { format!("; {} read from the state file", tally.cached) } else { String::new() },
            if config.dry_run { " (dry run: no file was changed)" } else { "" },
        );
    }
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Ok(Exit::Interrupted);
    }
    Ok(if tally.failed > 0 { Exit::SomeFailed } else { Exit::Success })
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
    let read = crate::read::guarded(path, || read_values(path))?
        .ok_or_else(|| err("no longer an audio file".into(), "nothing to restore"))?;
    let current = |c: &Change| read.values.get(c.field).to_vec();
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
