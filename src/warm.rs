//! Warming the page cache ahead of the readers (see `Supervisor::warm_ahead_while_waiting`):
//! a file is opened and the kernel asked to read the parts lofty reads, without
//! waiting for the data, so many reads are in flight while the readers parse.

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The start of a file, where most tags and the headers lofty probes sit:
/// the kernel's own read-ahead for a first read.
const HEAD: u64 = 128 * 1024;
/// The end of a file, for ID3v1, APE and Lyrics3 tags and MP4 `moov` boxes stored last.
const TAIL: u64 = 64 * 1024;

/// Asks the kernel to read the start and end of the file at `path` into the
/// page cache. Errors are left for the reader to meet and report.
pub fn file(path: &Path) {
    // Non-blocking: opening a FIFO must not hang a helper (a reader reports it).
    let Ok(file) = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path) else { return };
    let Ok(meta) = file.metadata() else { return };
    if !meta.is_file() {
        return;
    }
    let len = meta.len();
    advise(&file, 0, len.min(HEAD));
    if len > HEAD {
        let tail_start = len.saturating_sub(TAIL).max(HEAD);
        advise(&file, tail_start, len - tail_start);
    }
}

fn advise(file: &std::fs::File, offset: u64, len: u64) {
    let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else { return };
    // SAFETY: posix_fadvise only reads its arguments; the descriptor is open for the call.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), offset, len, libc::POSIX_FADV_WILLNEED) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_changes_nothing_and_tolerates_odd_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.flac");
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let before = std::fs::metadata(&path).unwrap();
        file(&path);
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(before.modified().unwrap(), after.modified().unwrap());
        // Missing files, folders and FIFOs are left to the readers, without a hang.
        file(&dir.path().join("missing.mp3"));
        file(dir.path());
        let fifo = dir.path().join("pipe.mp3");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
        file(&fifo);
    }
}
