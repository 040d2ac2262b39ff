//! Worker threads whose parses are watched for hangs without a hand-off per file.
//!
//! A parse of a malformed file may never end, and Rust cannot stop a thread.
//! Handing each batch of files to a parser thread and waiting on it (as
//! `read::with_deadline` does for one file) costs two context switches per
//! batch, about a tenth of a scan on two cores. Here the workers parse on their own threads
//! and publish what they are parsing and since when; the calling thread
//! looks now and then ([`Supervisor::check`]). A worker past the time limit
//! is left behind: its file is marked timed out, its job goes back on the
//! queue, and a fresh worker takes its place. The work and its data are
//! owned (`Arc`), since a stuck worker may outlive the run.

use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Worker threads get a main thread's stack, as headroom for lofty's
/// recursion on nested structures (a stack overflow aborts the process).
const WORKER_STACK: usize = 8 * 1024 * 1024;

/// Why [`Watch::item`] did not run its parse, or why its result must be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// This item hung an earlier worker: report it as timed out.
    TimedOut,
    /// This worker was given up on while it parsed: it must stop, its job is redone.
    Abandoned,
}

/// The work for one job: `Ok(Some(result))` is sent to the caller,
/// `Ok(None)` sends nothing, `Err(Lost::Abandoned)` ends the worker.
pub type Work<T> = dyn Fn(usize, &mut Watch<'_>) -> Result<Option<T>, Lost> + Send + Sync;

#[derive(Default)]
struct SlotState {
    /// (job, item, started) of the parse in progress.
    current: Option<(usize, usize, Instant)>,
    abandoned: bool,
}

#[derive(Default)]
struct Slot(Mutex<SlotState>);

struct Inner<T> {
    jobs: usize,
    next: AtomicUsize,
    /// Jobs of abandoned workers, taken before fresh ones.
    retry: Mutex<Vec<usize>>,
    any_timed_out: AtomicBool,
    timed_out: Mutex<HashSet<(usize, usize)>>,
    slots: Mutex<Vec<Arc<Slot>>>,
    stop: AtomicBool,
    panicked: Mutex<Option<String>>,
    limit: Duration,
    work: Box<Work<T>>,
    results: SyncSender<T>,
}

fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T> Inner<T> {
    fn take(&self) -> Option<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        if let Some(job) = lock(&self.retry).pop() {
            return Some(job);
        }
        let job = self.next.fetch_add(1, Ordering::Relaxed);
        (job < self.jobs).then_some(job)
    }
}

/// What a job's work uses to run each item's parse under watch.
pub struct Watch<'a> {
    job: usize,
    slot: &'a Slot,
    any_timed_out: &'a AtomicBool,
    timed_out: &'a Mutex<HashSet<(usize, usize)>>,
}

impl Watch<'_> {
    /// Runs `parse` as item `item` of this job, watched. `Err(TimedOut)`
    /// without running it when it hung a worker before; `Err(Abandoned)`
    /// when this worker was given up on meanwhile.
    pub fn item<R>(&mut self, item: usize, parse: impl FnOnce() -> R) -> Result<R, Lost> {
        if self.any_timed_out.load(Ordering::Acquire) && lock(self.timed_out).contains(&(self.job, item)) {
            return Err(Lost::TimedOut);
        }
        {
            let mut state = lock(&self.slot.0);
            if state.abandoned {
                return Err(Lost::Abandoned);
            }
            state.current = Some((self.job, item, Instant::now()));
        }
        let result = parse();
        let mut state = lock(&self.slot.0);
        state.current = None;
        if state.abandoned { Err(Lost::Abandoned) } else { Ok(result) }
    }
}

/// Runs jobs `0..jobs` (in order, as workers free up) on watched worker threads.
pub struct Supervisor<T: Send + 'static> {
    inner: Arc<Inner<T>>,
    results: Receiver<T>,
    name: &'static str,
    checked: Instant,
}

impl<T: Send + 'static> Supervisor<T> {
    /// Starts `threads` workers; results come from [`Supervisor::next`], at
    /// most `bound` waiting (workers block beyond that, which bounds memory).
    pub fn start(
        name: &'static str,
        jobs: usize,
        threads: usize,
        limit: Duration,
        bound: usize,
        work: Box<Work<T>>,
    ) -> std::io::Result<Self> {
        let (results, receiver) = mpsc::sync_channel(bound);
        let inner = Arc::new(Inner {
            jobs,
            next: AtomicUsize::new(0),
            retry: Mutex::new(Vec::new()),
            any_timed_out: AtomicBool::new(false),
            timed_out: Mutex::new(HashSet::new()),
            slots: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            panicked: Mutex::new(None),
            limit,
            work,
            results,
        });
        let supervisor = Supervisor { inner, results: receiver, name, checked: Instant::now() };
        for _ in 0..threads.clamp(1, jobs.max(1)) {
            supervisor.spawn()?;
        }
        Ok(supervisor)
    }

    /// The next result, looking for stuck workers at least once a second
    /// (a tenth of the limit, when shorter) while it waits. An error is a
    /// worker's panic.
    pub fn next(&mut self) -> std::io::Result<T> {
        let tick = (self.inner.limit / 10).min(Duration::from_secs(1));
        loop {
            let received = self.results.recv_timeout(tick);
            self.check()?;
            match received {
                Ok(result) => return Ok(result),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("the supervisor keeps a sender"),
            }
        }
    }

    fn spawn(&self) -> std::io::Result<()> {
        let slot = Arc::new(Slot::default());
        lock(&self.inner.slots).push(Arc::clone(&slot));
        let inner = Arc::clone(&self.inner);
        let spawned = std::thread::Builder::new()
            .name(self.name.into())
            .stack_size(WORKER_STACK)
            .spawn(move || run_worker(&inner, &slot));
        if spawned.is_err() {
            lock(&self.inner.slots).pop();
        }
        spawned.map(drop)
    }

    /// Gives up on workers whose parse has run past the limit (their jobs
    /// are redone by fresh workers) and reports a worker's panic. Cheap:
    /// looks at most once per tenth of the limit. Returns the (job, item)
    /// pairs given up on.
    fn check(&mut self) -> std::io::Result<Vec<(usize, usize)>> {
        if let Some(message) = lock(&self.inner.panicked).take() {
            return Err(std::io::Error::other(format!("internal error in a worker thread: {message}")));
        }
        let now = Instant::now();
        if now.duration_since(self.checked) < self.inner.limit / 10 {
            return Ok(Vec::new());
        }
        self.checked = now;
        let mut stuck = Vec::new();
        lock(&self.inner.slots).retain(|slot| {
            let mut state = lock(&slot.0);
            match state.current {
                Some((job, item, started)) if now.duration_since(started) > self.inner.limit => {
                    state.abandoned = true;
                    stuck.push((job, item));
                    false
                }
                _ => true,
            }
        });
        for &(job, item) in &stuck {
            lock(&self.inner.timed_out).insert((job, item));
            self.inner.any_timed_out.store(true, Ordering::Release);
            lock(&self.inner.retry).push(job);
            if let Err(e) = self.spawn()
                && lock(&self.inner.slots).is_empty()
            {
                return Err(std::io::Error::other(format!("cannot start a worker thread: {e}")));
            }
        }
        Ok(stuck)
    }
}

impl<T: Send + 'static> Drop for Supervisor<T> {
    /// Workers finish the job in hand and take no other.
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::Relaxed);
    }
}

fn run_worker<T: Send>(inner: &Inner<T>, slot: &Arc<Slot>) {
    while let Some(job) = inner.take() {
        let mut watch = Watch { job, slot, any_timed_out: &inner.any_timed_out, timed_out: &inner.timed_out };
        match panic::catch_unwind(AssertUnwindSafe(|| (inner.work)(job, &mut watch))) {
            Ok(Ok(Some(result))) => {
                if inner.results.send(result).is_err() {
                    break;
                }
            }
            Ok(Ok(None)) => {}
            Ok(Err(_)) => return, // abandoned: a fresh worker redoes the job
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                *lock(&inner.panicked) = Some(format!("job {job}: {message}"));
                inner.stop.store(true, Ordering::Relaxed);
                break;
            }
        }
    }
    lock(&inner.slots).retain(|s| !Arc::ptr_eq(s, slot));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect<T: Send + 'static>(mut supervisor: Supervisor<T>, expected: usize) -> Vec<T> {
        (0..expected).map(|_| supervisor.next().expect("no worker panics")).collect()
    }

    #[test]
    fn every_job_runs_once() {
        let work: Box<Work<usize>> = Box::new(|job, watch| Ok(Some(watch.item(0, || job * 2)?)));
        let supervisor = Supervisor::start("test", 100, 3, Duration::from_secs(30), 4, work).unwrap();
        let mut out = collect(supervisor, 100);
        out.sort_unstable();
        assert_eq!(out, (0..100).map(|j| j * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_hung_item_times_out_and_its_job_is_redone() {
        // Job 3's item 1 hangs (far past the limit) the first time it runs.
        type Items = (usize, Vec<Result<usize, Lost>>);
        let work: Box<Work<Items>> = Box::new(|job, watch| {
            let mut items = Vec::new();
            for item in 0..3 {
                let result = watch.item(item, || {
                    if (job, item) == (3, 1) {
                        std::thread::sleep(Duration::from_secs(3));
                    }
                    item
                });
                if result == Err(Lost::Abandoned) {
                    return Err(Lost::Abandoned);
                }
                items.push(result);
            }
            Ok(Some((job, items)))
        });
        let started = Instant::now();
        let supervisor = Supervisor::start("test", 6, 2, Duration::from_millis(200), 4, work).unwrap();
        let mut out = collect(supervisor, 6);
        assert!(started.elapsed() < Duration::from_secs(2), "the run waited for the hung parse");
        out.sort_by_key(|(job, _)| *job);
        assert_eq!(out.len(), 6, "each job reported once: {out:?}");
        assert_eq!(out[3].1, vec![Ok(0), Err(Lost::TimedOut), Ok(2)]);
        assert!(out.iter().filter(|(job, _)| *job != 3).all(|(_, items)| items.iter().all(Result::is_ok)));
    }

    #[test]
    fn a_panicking_job_is_reported() {
        let work: Box<Work<usize>> = Box::new(|job, _| if job == 2 { panic!("boom") } else { Ok(Some(job)) });
        let mut supervisor = Supervisor::start("test", 5, 1, Duration::from_secs(30), 8, work).unwrap();
        // Jobs 0 and 1 come through; then the panic is reported instead of a wait for ever.
        let error = loop {
            match supervisor.next() {
                Ok(job) => assert!(job < 2, "no job after the panic: {job}"),
                Err(e) => break e,
            }
        };
        assert!(error.to_string().contains("boom"), "{error}");
    }
}
