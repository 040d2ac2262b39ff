//! The floor for atomic writes (issue 4): the system calls any copy-and-rename
//! writer must make, with no parsing, no tag rewrite, no check and no journal.
//!
//! ```text
//! cargo run --release --example atomic_floor -- LIB LIST [-j N] [--batch N] [--temp-dir DIR]
//! ```
//!
//! LIST names files relative to LIB, one per line (`bench/write.sh` leaves the
//! files `reeltag tag` writes in `bench/out/write-planned.txt`). Run it on a
//! copy: every listed file is replaced by a byte-identical copy. Each of N
//! threads (default: one per core) takes batches of `--batch` files (default
//! 256, as `reeltag tag` commits) and, for each file, reads it whole, creates
//! `.NAME.floor-tmp` beside it, writes the bytes and closes it; then one
//! `syncfs` makes the batch's copies durable, and the copies are renamed over
//! their originals. A last `syncfs` makes the renames durable. It prints the
//! files written, the elapsed time and the files per second. `--temp-dir DIR`
//! (on the same file system) holds the copies instead of each file's folder.
//!
//! Whatever a copy-and-rename writer adds (reading tags, rewriting them,
//! checking the copy, journaling old values) comes on top of this.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const USAGE: &str = "usage: atomic_floor LIB LIST [-j N] [--batch N] [--temp-dir DIR]";

struct Args {
    lib: PathBuf,
    list: PathBuf,
    threads: usize,
    batch: usize,
    temp_dir: Option<PathBuf>,
}

fn temp_path(path: &Path, temp_dir: Option<&Path>) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    match temp_dir {
        Some(dir) => dir.join(format!("{}.floor-tmp", COUNT.fetch_add(1, Ordering::Relaxed))),
        None => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            path.with_file_name(format!(".{name}.floor-tmp"))
        }
    }
}

fn copy_beside(path: &Path, temp_dir: Option<&Path>, buffer: &mut Vec<u8>) -> std::io::Result<PathBuf> {
    buffer.clear();
    File::open(path)?.read_to_end(buffer)?;
    let temp = temp_path(path, temp_dir);
    let mut out = OpenOptions::new().write(true).create_new(true).open(&temp)?;
    out.write_all(buffer)?;
    Ok(temp)
}

fn syncfs(anchor: &Path) -> std::io::Result<()> {
    let file = File::open(anchor)?;
    // SAFETY: syncfs takes a file descriptor that `file` keeps open for the call.
    if unsafe { libc::syncfs(file.as_raw_fd()) } == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut lib, mut list, mut threads, mut batch, mut temp_dir) = (None, None, 0, 256, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--temp-dir" => temp_dir = Some(PathBuf::from(args.next().ok_or(USAGE)?)),
            "-j" => threads = args.next().and_then(|n| n.parse().ok()).ok_or(USAGE)?,
            "--batch" => batch = args.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0).ok_or(USAGE)?,
            _ if lib.is_none() => lib = Some(PathBuf::from(arg)),
            _ if list.is_none() => list = Some(PathBuf::from(arg)),
            _ => return Err(USAGE.into()),
        }
    }
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    Ok(Args { lib: lib.ok_or(USAGE)?, list: list.ok_or(USAGE)?, threads, batch, temp_dir })
}

pub fn main() -> ExitCode {
    let Args { lib, list, threads, batch, temp_dir } = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let files: Vec<PathBuf> = match fs::read_to_string(&list) {
        Ok(text) => text.lines().filter(|l| !l.is_empty()).map(|l| lib.join(l)).collect(),
        Err(e) => {
            eprintln!("atomic_floor: cannot read {}: {e}", list.display());
            return ExitCode::from(2);
        }
    };
    let next = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buffer = Vec::new();
                loop {
                    let start = next.fetch_add(batch, Ordering::Relaxed);
                    if start >= files.len() {
                        break;
                    }
                    let mine = &files[start..(start + batch).min(files.len())];
                    let copies: Vec<_> =
                        mine.iter().map(|path| copy_beside(path, temp_dir.as_deref(), &mut buffer)).collect();
                    if let Err(e) = syncfs(&lib) {
                        eprintln!("atomic_floor: syncfs: {e}");
                    }
                    for (path, copy) in mine.iter().zip(copies) {
                        if copy.and_then(|temp| fs::rename(temp, path)).is_err() {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    if let Err(e) = syncfs(&lib) {
        eprintln!("atomic_floor: syncfs: {e}");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed = failed.into_inner();
    let written = files.len() - failed;
    println!(
        "{written} written, {failed} failed, {elapsed:.4} s, {:.0} files/s ({threads} threads, batches of {batch})",
        written as f64 / elapsed
    );
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
