//! A buffered file reader that keeps its buffer across seeks.
//!
//! lofty probes a file, seeks back, peeks at headers and seeks again: about
//! sixteen seeks and ten reads per file. `std::io::BufReader` drops its
//! buffer on every seek, so each of those becomes a system call, and the
//! kernel time of those calls was most of a scan's CPU time beyond the bare
//! parse. This reader only remembers the position on a seek and serves reads
//! from one window of the file read with `pread`, so a tag that fits in the
//! window costs one read call, and the file's bytes are never changed or
//! locked.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Bytes read per refill: tags and the headers lofty looks at sit in the
/// first few KiB of most files; more would copy audio nobody reads.
const WINDOW: usize = 32 * 1024;

pub struct WindowReader {
    file: File,
    /// The logical position: where the next read starts.
    pos: u64,
    /// Allocated on the first refill; only `window[..filled]` holds file bytes.
    window: Vec<u8>,
    filled: usize,
    /// The file offset of `window[0]`.
    window_start: u64,
    /// The file's length, taken once, for seeks from the end.
    len: Option<u64>,
}

impl WindowReader {
    pub fn new(file: File) -> Self {
        WindowReader { file, pos: 0, window: Vec::new(), filled: 0, window_start: 0, len: None }
    }

    /// A reader for a file whose length the caller already took (saves a `stat`).
    pub fn with_len(file: File, len: u64) -> Self {
        let mut reader = WindowReader::new(file);
        reader.len = Some(len);
        reader
    }

    fn in_window(&self) -> Option<&[u8]> {
        let offset = self.pos.checked_sub(self.window_start)?;
        let offset = usize::try_from(offset).ok()?;
        self.window[..self.filled].get(offset..).filter(|rest| !rest.is_empty())
    }

    fn len(&mut self) -> io::Result<u64> {
        match self.len {
            Some(len) => Ok(len),
            None => {
                let len = self.file.metadata()?.len();
                self.len = Some(len);
                Ok(len)
            }
        }
    }

    /// Fills the window from the current position; false at the end of the file.
    fn refill(&mut self) -> io::Result<bool> {
        if self.window.is_empty() {
            self.window = SPARE.take();
            if self.window.len() != WINDOW {
                self.window = vec![0; WINDOW];
            }
        }
        // Marked empty first: a failed read must not leave stale bytes in view.
        self.filled = 0;
        let n = read_at(&self.file, &mut self.window, self.pos)?;
        self.filled = n;
        self.window_start = self.pos;
        Ok(n > 0)
    }
}

thread_local! {
    /// A window left by this thread's last reader: zeroing a fresh 32 KiB per
    /// file cost more than the system calls the window saves.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Drop for WindowReader {
    fn drop(&mut self) {
        if !self.window.is_empty() {
            SPARE.set(std::mem::take(&mut self.window));
        }
    }
}

impl Read for WindowReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.in_window().is_none() {
            // A large read (a whole tag, a picture) goes straight into the caller's buffer.
            if out.len() >= WINDOW {
                let n = read_at(&self.file, out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            if !self.refill()? {
                return Ok(0);
            }
        }
        let available = self.in_window().unwrap_or_default();
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for WindowReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
            SeekFrom::End(delta) => self.len()?.checked_add_signed(delta),
        };
        // As `File::seek` does: before the start is an error, past the end is allowed.
        let target = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "invalid seek to a negative or overflowing position")
        })?;
        self.pos = target;
        Ok(target)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.pos)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    loop {
        match file.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    file.seek_read(buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::{Cursor, Write};

    #[derive(Debug, Clone)]
    enum Op {
        Read(usize),
        Seek(SeekFrom),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..3 * WINDOW).prop_map(Op::Read),
            (0u64..120_000).prop_map(|n| Op::Seek(SeekFrom::Start(n))),
            (-70_000i64..70_000).prop_map(|d| Op::Seek(SeekFrom::Current(d))),
            (-120_000i64..100).prop_map(|d| Op::Seek(SeekFrom::End(d))),
        ]
    }

    proptest! {
        // Whatever lofty does, it must see the bytes and positions a plain file would give.
        #[test]
        fn behaves_like_a_cursor(len in 0usize..100_000, ops in proptest::collection::vec(op(), 1..40)) {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mut temp = tempfile::tempfile().unwrap();
            temp.write_all(&bytes).unwrap();
            let mut window = WindowReader::new(temp);
            let mut cursor = Cursor::new(bytes);
            for op in ops {
                match op {
                    Op::Read(n) => {
                        let (mut a, mut b) = (vec![0; n], vec![0; n]);
                        let got = window.read_exact(&mut a).map_err(|e| e.kind());
                        let want = cursor.read_exact(&mut b).map_err(|e| e.kind());
                        prop_assert_eq!(&got, &want);
                        if want.is_ok() {
                            prop_assert_eq!(a, b);
                        } else {
                            // A failed read_exact leaves the position unspecified: realign.
                            let at = cursor.position();
                            window.seek(SeekFrom::Start(at)).unwrap();
                        }
                    }
                    Op::Seek(to) => {
                        let got = window.seek(to).map_err(|e| e.kind());
                        let want = cursor.seek(to).map_err(|e| e.kind());
                        prop_assert_eq!(got, want);
                    }
                }
                prop_assert_eq!(window.stream_position().unwrap(), cursor.position());
            }
        }
    }

    #[test]
    fn reads_to_the_end_across_windows() {
        let bytes: Vec<u8> = (0..WINDOW * 2 + 17).map(|i| (i % 256) as u8).collect();
        let mut temp = tempfile::tempfile().unwrap();
        temp.write_all(&bytes).unwrap();
        let mut window = WindowReader::new(temp);
        window.seek(SeekFrom::Start(5)).unwrap();
        let mut rest = Vec::new();
        window.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, bytes[5..]);
    }
}
