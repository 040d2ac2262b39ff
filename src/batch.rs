//! Writes planned files in batches: copies prepared in parallel, then
//! committed together (one `syncfs` and one journal fsync per batch).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use rayon::prelude::*;

use crate::apply::{ApplyOptions, Prepared, commit, prepare};
use crate::error::{FileError, Stage};
use crate::journal::{Journal, Stamp};
use crate::plan::Change;

/// Files per commit.
const BATCH: usize = 256;

/// One file to write.
pub struct WriteJob {
    pub id: usize,
    pub path: PathBuf,
    pub stamp: Stamp,
    pub changes: Vec<Change>,
}

/// Collects write jobs and writes them a batch at a time.
pub struct BatchWriter<'a> {
    pool: &'a rayon::ThreadPool,
    options: &'a ApplyOptions,
    journal: &'a Mutex<Journal>,
    queued: Vec<WriteJob>,
}

impl<'a> BatchWriter<'a> {
    pub fn new(pool: &'a rayon::ThreadPool, options: &'a ApplyOptions, journal: &'a Mutex<Journal>) -> Self {
        BatchWriter { pool, options, journal, queued: Vec::new() }
    }

    /// Queues one file; writes a batch when one is full. Returns the results finished so far.
    pub fn push(&mut self, job: WriteJob) -> Vec<(usize, Result<Stamp, FileError>)> {
        self.queued.push(job);
        if self.queued.len() >= BATCH { self.write_queued() } else { Vec::new() }
    }

    /// Writes what is still queued.
    pub fn finish(mut self) -> Vec<(usize, Result<Stamp, FileError>)> {
        self.write_queued()
    }

    fn write_queued(&mut self) -> Vec<(usize, Result<Stamp, FileError>)> {
        let jobs = std::mem::take(&mut self.queued);
        if crate::tag::INTERRUPTED.load(Ordering::SeqCst) {
            return jobs
                .into_iter()
                .map(|job| {
                    let err = FileError::with_message(
                        &job.path,
                        Stage::Write,
                        "interrupted before this file",
                        Some("run reeltag tag again"),
                    );
                    (job.id, Err(err))
                })
                .collect();
        }
        let options = self.options;
        let prepared: Vec<(usize, Result<Prepared, FileError>)> = self.pool.install(|| {
            jobs.par_iter()
                .map(|job| {
                    let result =
                        crate::read::guarded(&job.path, || prepare(&job.path, job.stamp, &job.changes, options));
                    (job.id, result)
                })
                .collect()
        });
        let mut results = Vec::with_capacity(jobs.len());
        let mut ready = Vec::new();
        let ids: std::collections::HashMap<&PathBuf, usize> = jobs.iter().map(|j| (&j.path, j.id)).collect();
        for (id, result) in prepared {
            match result {
                Ok(p) => ready.push(p),
                Err(e) => results.push((id, Err(e))),
            }
        }
        for (path, result) in commit(ready, self.journal) {
            results.push((ids[&path], result));
        }
        results
    }
}
