//! The floor for the scan benchmark: a plain parallel lofty read of a library
//! with none of reeltag's logic (see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example lofty_floor -- LIB [--all] [-j N]
//! ```
//!
//! It walks LIB with walkdir, keeps the files whose extension lofty knows as
//! audio (`--all` keeps every file), and reads each one on a rayon pool with
//! the options `reeltag scan` uses: no audio properties, no cover art, and a
//! 256 MiB allocation limit set on every worker thread. It prints the number
//! of files read, the number that failed and the elapsed time.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use lofty::config::{GlobalOptions, ParseOptions, apply_global_options};
use lofty::file::{FileType, TaggedFileExt};
use lofty::probe::Probe;
use rayon::prelude::*;
use walkdir::WalkDir;

const USAGE: &str = "usage: lofty_floor LIB [--all] [-j N]";
const ALLOCATION_LIMIT: usize = 256 * 1024 * 1024;

fn read(path: &PathBuf) -> Result<usize, lofty::error::FileParseError> {
    let tagged = Probe::open(path)?
        .options(ParseOptions::new().read_properties(false).read_cover_art(false))
        .guess_file_type()?
        .read()?;
    Ok(tagged.tags().len())
}

pub fn main() -> ExitCode {
    let mut root = None;
    let mut all = false;
    let mut threads = 0; // rayon's default: one per core
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--all" => all = true,
            "-j" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = n,
                None => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
            _ if root.is_none() && !arg.starts_with('-') => root = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(root) = root else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };

    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(|_| apply_global_options(GlobalOptions::new().allocation_limit(ALLOCATION_LIMIT)))
        .build()
        .expect("thread pool");

    let paths: Vec<PathBuf> = WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| all || p.extension().and_then(FileType::from_ext).is_some())
        .collect();

    let tags = AtomicUsize::new(0);
    let ok = pool.install(|| {
        paths
            .par_iter()
            .filter(|path| match read(path) {
                Ok(n) => {
                    tags.fetch_add(n, Ordering::Relaxed);
                    true
                }
                Err(_) => false,
            })
            .count()
    });
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "lofty_floor: {ok} read, {} failed, {} tags, in {seconds:.3} s ({:.0} files/s)",
        paths.len() - ok,
        tags.into_inner(),
        ok as f64 / seconds
    );
    ExitCode::SUCCESS
}
