//! How fast files not in the page cache can be read at all: the first
//! `--bytes` of every file of a library whose extension lofty knows as
//! audio, on `-j` threads, with no parsing (see BENCHMARKS.md, "Cold reads").
//!
//! ```text
//! cargo run --release --example cold_read_floor -- LIB [-j N] [--bytes B] [--cold]
//! ```
//!
//! It walks LIB first (not timed), then, with `--cold` (needs root), flushes
//! and drops the page cache (`sync; echo 3 > /proc/sys/vm/drop_caches`),
//! then opens each file and reads its first B bytes (default 65536) once.
//! It prints the thread count, the bytes, the files and the elapsed time.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const USAGE: &str = "usage: cold_read_floor LIB [-j N] [--bytes B] [--cold]";

fn drop_caches() -> std::io::Result<()> {
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    std::fs::write("/proc/sys/vm/drop_caches", "3\n")
}

pub fn main() -> ExitCode {
    let (mut lib, mut threads, mut bytes, mut cold) = (None, 4, 65536, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let number = |value: Option<String>| value.and_then(|v| v.parse::<usize>().ok()).filter(|&n| n > 0);
        match arg.as_str() {
            "-j" => threads = number(args.next()).unwrap_or(0),
            "--bytes" => bytes = number(args.next()).unwrap_or(0),
            "--cold" => cold = true,
            _ if lib.is_none() => lib = Some(PathBuf::from(arg)),
            _ => threads = 0,
        }
    }
    let Some(lib) = lib.filter(|_| threads > 0 && bytes > 0) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let paths: Vec<PathBuf> = walkdir::WalkDir::new(&lib)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        // The files lofty names as audio by extension, as `lofty_floor` picks them.
        .filter(|e| e.path().extension().and_then(lofty::file::FileType::from_ext).is_some())
        .map(walkdir::DirEntry::into_path)
        .collect();
    if cold && let Err(e) = drop_caches() {
        eprintln!("cold_read_floor: cannot drop the page cache (root needed): {e}");
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buffer = vec![0u8; bytes];
                while let Some(path) = paths.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if std::fs::File::open(path).and_then(|mut f| f.read(&mut buffer)).is_err() {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    println!(
        "{threads} threads, {bytes} bytes, {} files ({} failed), {:.3} s",
        paths.len(),
        failed.into_inner(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
