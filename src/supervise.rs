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
//!
//! A pool may also start helpers ([`Supervisor::warm_ahead_while_waiting`]):
//! when every worker is inside a parse but the process leaves the cores idle,
//! the parses are waiting on the disk, and helpers that only ask the kernel to
//! read the next jobs' files keep many reads in flight.

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
    ahead: Option<Ahead>,
}

/// Helpers that warm the page cache ahead of the workers while their parses
/// wait on the disk: they only open files and ask the kernel to read them
/// ([`Warm`]), so the pool's memory stays that of its workers.
struct Ahead {
    /// The most helpers.
    max: usize,
    cores: usize,
    /// The start of the current sample: wall clock and the process's CPU time.
    since: Instant,
    cpu_since: Duration,
    shared: Arc<AheadShared>,
}

struct AheadShared {
    /// The next job to warm.
    next: AtomicUsize,
    helpers: AtomicUsize,
    warm: Box<Warm>,
}

/// Warms the files of one job.
pub type Warm = dyn Fn(usize) + Send + Sync;

/// How long the pool's CPU use is sampled before more helpers may start.
const SAMPLE: Duration = Duration::from_millis(40);
/// Below this share of the cores in use, busy workers are taken to be waiting on the disk.
const WAITING_SHARE: f64 = 0.75;
/// How far ahead of the workers helpers may warm, in jobs: enough to keep
/// every helper busy, little enough that warmed pages are still cached when
/// their parse comes.
const LEAD: usize = 96;
/// Helpers only open files and issue read-ahead requests.
const HELPER_STACK: usize = 64 * 1024;

/// CPU time used by the whole process so far (all threads).
fn process_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the time into `now`, which lives across the call.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) } == 0;
    ok.then(|| Duration::new(now.tv_sec.try_into().unwrap_or(0), now.tv_nsec.try_into().unwrap_or(0)))
}

/// Whether a pool whose workers used `cpu` over `wall` on `cores` cores, with
/// `busy` of its `workers` inside a parse, is waiting on the disk: every worker
/// busy (a worker outside a parse may be waiting for the printer) and cores idle.
fn waiting_on_disk(cpu: Duration, wall: Duration, cores: usize, busy: usize, workers: usize) -> bool {
    let capacity = wall.as_secs_f64() * cores as f64;
    capacity > 0.0 && cpu.as_secs_f64() < WAITING_SHARE * capacity && busy == workers && busy > 0
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
        let supervisor = Supervisor { inner, results: receiver, name, checked: Instant::now(), ahead: None };
        for _ in 0..threads.clamp(1, jobs.max(1)) {
            supervisor.spawn()?;
        }
        Ok(supervisor)
    }

    /// The next result, looking for stuck workers at least once a second
    /// (a tenth of the limit, when shorter) while it waits. An error is a
    /// worker's panic.
    pub fn next(&mut self) -> std::io::Result<T> {
        let mut tick = (self.inner.limit / 10).min(Duration::from_secs(1));
        if self.ahead.is_some() {
            tick = tick.min(SAMPLE);
        }
        loop {
            let received = self.results.recv_timeout(tick);
            self.check()?;
            self.warm_ahead();
            match received {
                Ok(result) => return Ok(result),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("the supervisor keeps a sender"),
            }
        }
    }

    /// Starts up to `max` helpers, doubling at most every 40 ms, while the
    /// workers' parses wait on the disk; each runs `warm` on jobs the workers
    /// have not reached. Files not in the page cache: 20,000 read in 1.5 s
    /// with 4 workers and 1.0 s with 32; from the page cache 32 workers were
    /// 10% slower than 4, and each worker's heap added about 2 MB of memory.
    pub fn warm_ahead_while_waiting(&mut self, max: usize, warm: Box<Warm>) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let shared = Arc::new(AheadShared { next: AtomicUsize::new(0), helpers: AtomicUsize::new(0), warm });
        self.ahead = process_cpu_time().map(|cpu_since| Ahead { max, cores, since: Instant::now(), cpu_since, shared });
    }

    /// Starts more helpers when the last sample says the workers wait on the disk.
    fn warm_ahead(&mut self) {
        let Some(ahead) = self.ahead.as_mut() else { return };
        let wall = ahead.since.elapsed();
        if wall < SAMPLE {
            return;
        }
        let Some(cpu_now) = process_cpu_time() else { return };
        let cpu = cpu_now.saturating_sub(ahead.cpu_since);
        (ahead.since, ahead.cpu_since) = (Instant::now(), cpu_now);
        let (workers, busy) = {
            let slots = lock(&self.inner.slots);
            (slots.len(), slots.iter().filter(|slot| lock(&slot.0).current.is_some()).count())
        };
        let helpers = ahead.shared.helpers.load(Ordering::Relaxed);
        let jobs_left = self.inner.jobs.saturating_sub(self.inner.next.load(Ordering::Relaxed));
        if helpers >= ahead.max || jobs_left == 0 || !waiting_on_disk(cpu, wall, ahead.cores, busy, workers) {
            return;
        }
        for _ in 0..helpers.max(workers).min(ahead.max - helpers) {
            let (inner, shared) = (Arc::clone(&self.inner), Arc::clone(&ahead.shared));
            shared.helpers.fetch_add(1, Ordering::Relaxed);
            let spawned = std::thread::Builder::new()
                .name(format!("{}-ahead", self.name))
                .stack_size(HELPER_STACK)
                .spawn(move || run_helper(&inner, &shared));
            if spawned.is_err() {
                ahead.shared.helpers.fetch_sub(1, Ordering::Relaxed);
                break; // the workers carry on without it
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

/// Warms jobs ahead of the workers, never more than [`LEAD`] jobs ahead and
/// never one a worker has taken, until the jobs run out or the run stops.
fn run_helper<T: Send>(inner: &Inner<T>, shared: &AheadShared) {
    loop {
        if inner.stop.load(Ordering::Relaxed) {
            return;
        }
        let taken = inner.next.load(Ordering::Relaxed);
        shared.next.fetch_max(taken, Ordering::Relaxed);
        let job = shared.next.fetch_add(1, Ordering::Relaxed);
        if job >= inner.jobs {
            return;
        }
        while job > inner.next.load(Ordering::Relaxed) + LEAD {
            if inner.stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if job >= inner.next.load(Ordering::Relaxed) {
            // A panic in `warm` ends this helper only; the workers read the file anyway.
            if panic::catch_unwind(AssertUnwindSafe(|| (shared.warm)(job))).is_err() {
                return;
            }
        }
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
    fn busy_workers_on_idle_cores_are_waiting_on_the_disk() {
        let ms = Duration::from_millis;
        // (cpu, wall, cores, busy, workers, waiting)
        let table = [
            (ms(80), ms(40), 2, 4, 4, false), // both cores in use: parsing, not waiting
            (ms(65), ms(40), 2, 4, 4, false), // over three quarters of the cores
            (ms(55), ms(40), 2, 4, 4, true),  // under three quarters
            (ms(10), ms(40), 2, 4, 4, true),
            (ms(10), ms(40), 2, 1, 4, false), // workers idle: nothing to read, or output is slow
            (ms(10), ms(40), 2, 3, 4, false),
            (ms(10), ms(40), 2, 0, 0, false),
            (ms(0), ms(0), 2, 4, 4, false),
        ];
        for (cpu, wall, cores, busy, workers, waiting) in table {
            assert_eq!(waiting_on_disk(cpu, wall, cores, busy, workers), waiting, "{cpu:?} {wall:?} {busy}/{workers}");
        }
    }

    /// Jobs whose parse sleeps (no CPU, as a parse waiting on a disk), with
    /// helpers allowed when `helpers` is some; returns the jobs' results and
    /// the jobs the helpers warmed.
    fn sleepy_pool(jobs: usize, helpers: Option<usize>) -> (Vec<usize>, Vec<usize>) {
        let work: Box<Work<usize>> = Box::new(|job, watch| {
            watch.item(0, || std::thread::sleep(Duration::from_millis(10)))?;
            Ok(Some(job))
        });
        let warmed = Arc::new(Mutex::new(Vec::new()));
        let mut supervisor = Supervisor::start("test", jobs, 2, Duration::from_secs(30), 4, work).unwrap();
        if let Some(max) = helpers {
            let record = Arc::clone(&warmed);
            supervisor.warm_ahead_while_waiting(max, Box::new(move |job| lock(&record).push(job)));
        }
        let mut out = collect(supervisor, jobs);
        out.sort_unstable();
        let warmed = lock(&warmed).clone();
        (out, warmed)
    }

    #[test]
    fn helpers_warm_jobs_ahead_while_the_workers_wait() {
        let (out, warmed) = sleepy_pool(200, Some(4));
        assert_eq!(out, (0..200).collect::<Vec<_>>(), "every job runs once, helpers or not");
        assert!(!warmed.is_empty(), "idle cores and busy workers start helpers");
        let mut unique = warmed.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), warmed.len(), "no job is warmed twice");
        assert!(warmed.iter().all(|&job| job < 200));
    }

    #[test]
    fn no_helpers_unless_asked() {
        let (out, warmed) = sleepy_pool(40, None);
        assert_eq!(out, (0..40).collect::<Vec<_>>());
        assert!(warmed.is_empty());
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
