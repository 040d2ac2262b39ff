//! The scan's driver: reads, classifies and reports in one streaming pass.
//!
//! Candidates are split into chunks that each hold whole albums (all files
//! whose release folder has the same parent, so CD1/CD2 folders and sibling
//! discs stay together). Workers read and classify a chunk at a time, in
//! path order, while the calling thread writes finished rows in path order.
//! Classification and output so overlap with reading, and memory holds only
//! the chunks in flight plus rows waiting for an earlier one.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc;

use rayon::prelude::*;

use crate::classify::{Decision, Role};
use crate::config::Input;
use crate::error::FileError;
use crate::read::{ReadOutcome, read_track};
use crate::report::{Report, Row};
use crate::rules::Rules;
use crate::track::Track;

/// What one candidate became.
enum Slot {
    Track(Box<Track>, Decision),
    Failed(FileError),
    NotAudio,
}

/// Counts for the summary line.
#[derive(Debug, Default)]
pub struct Tally {
    pub read: usize,
    pub skipped: usize,
    pub failed: usize,
    pub score: usize,
    pub song: usize,
    pub none: usize,
}

/// Groups candidate indices into chunks of whole albums, in order of first file.
fn chunks(candidates: &[PathBuf]) -> Vec<Vec<usize>> {
    let mut chunk_of: HashMap<PathBuf, usize> = HashMap::new();
    let mut chunks: Vec<Vec<usize>> = Vec::new();
    for (index, path) in candidates.iter().enumerate() {
        let release = crate::album::release_dir(path);
        let key = release.parent().map(PathBuf::from).unwrap_or(release);
        let chunk = *chunk_of.entry(key).or_insert_with(|| {
            chunks.push(Vec::new());
            chunks.len() - 1
        });
        chunks[chunk].push(index);
    }
    chunks
}

fn process(chunk: &[usize], candidates: &[PathBuf], rules: &Rules, bar: &indicatif::ProgressBar) -> Vec<(usize, Slot)> {
    let outcomes: Vec<ReadOutcome> = chunk
        .par_iter()
        .map(|&i| {
            let outcome = read_track(&candidates[i]);
            bar.inc(1);
            outcome
        })
        .collect();
    let mut slots: Vec<(usize, Option<Slot>)> = Vec::with_capacity(chunk.len());
    let mut tracks: Vec<Track> = Vec::new();
    let mut track_slots: Vec<usize> = Vec::new();
    for (&index, outcome) in chunk.iter().zip(outcomes) {
        match outcome {
            ReadOutcome::Track(track) => {
                track_slots.push(slots.len());
                slots.push((index, None));
                tracks.push(*track);
            }
            ReadOutcome::NotAudio => slots.push((index, Some(Slot::NotAudio))),
            ReadOutcome::Failed(err) => slots.push((index, Some(Slot::Failed(err)))),
        }
    }
    let decisions = crate::decide_all(&tracks, rules);
    for ((slot, track), decision) in track_slots.into_iter().zip(tracks).zip(decisions) {
        slots[slot].1 = Some(Slot::Track(Box::new(track), decision));
    }
    slots.into_iter().map(|(i, s)| (i, s.expect("every slot is filled"))).collect()
}

/// Walks, reads, classifies and writes every file under the input's roots.
/// Write errors stop the writing, not the draining of the workers; the first
/// one is returned with the tally.
pub fn scan(
    input: &Input,
    rules: &Rules,
    pool: &rayon::ThreadPool,
    report: &mut dyn Report,
    show_progress: bool,
) -> (Tally, io::Result<()>) {
    let walked = crate::walk::walk(&input.roots, &input.walk);
    let candidates = &walked.candidates;
    let chunks = chunks(candidates);
    let bar = crate::progress::bar(candidates.len(), show_progress);
    let mut tally = Tally { skipped: walked.skipped, failed: walked.errors.len(), ..Tally::default() };
    let mut walk_errors = walked.errors.iter().peekable();
    let mut written: io::Result<()> = Ok(());
    let (sender, receiver) = mpsc::channel::<Vec<(usize, Slot)>>();

    std::thread::scope(|scope| {
        let bar = &bar;
        scope.spawn(move || {
            // par_bridge hands chunks out in order, so rows arrive nearly in order.
            pool.install(|| {
                chunks.iter().par_bridge().for_each_with(sender, |sender, chunk| {
                    let _ = sender.send(process(chunk, candidates, rules, bar));
                });
            });
        });
        let mut pending: HashMap<usize, Slot> = HashMap::new();
        let mut next = 0;
        let mut emit = |row: Row<'_>, written: &mut io::Result<()>| {
            if written.is_ok() {
                *written = report.record(&row);
            }
        };
        for batch in receiver {
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
    });
    bar.finish_and_clear();
    if written.is_ok() {
        written = report.finish();
    }
    (tally, written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_albums_and_discs_together() {
        let paths: Vec<PathBuf> = [
            "/m/Loose/a.mp3",
            "/m/Loose/Album/01.mp3",
            "/m/Loose/z.mp3",
            "/m/Zimmer/Interstellar/CD1/01.mp3",
            "/m/Zimmer/Interstellar/CD2/01.mp3",
            "/m/Zimmer/Dune Part 1/01.flac",
            "/m/Zimmer/Dune Part 2/01.flac",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let chunks = chunks(&paths);
        let together = |a: usize, b: usize| chunks.iter().any(|c| c.contains(&a) && c.contains(&b));
        assert!(together(0, 2), "loose files of one folder: {chunks:?}");
        assert!(together(3, 4), "disc folders: {chunks:?}");
        assert!(together(5, 6), "sibling folders: {chunks:?}");
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), paths.len());
    }
}
