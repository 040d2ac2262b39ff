//! A file's extended attributes (user metadata such as desktop tags and
//! ratings, POSIX ACLs, security labels), copied to the rewritten copy that
//! replaces it: a rename swaps in a new inode, which starts without them.

use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// A file system without extended attributes has none to keep.
fn unsupported(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOTSUP)
}

/// Calls `get` with a buffer of the size it asks for (`get(null, 0)`), again
/// when the value grew in between (ERANGE).
fn sized(get: impl Fn(*mut libc::c_void, usize) -> libc::ssize_t) -> io::Result<Vec<u8>> {
    loop {
        let size = get(std::ptr::null_mut(), 0);
        let size = usize::try_from(size).map_err(|_| io::Error::last_os_error())?;
        if size == 0 {
            return Ok(Vec::new());
        }
        let mut buffer = vec![0u8; size];
        let got = get(buffer.as_mut_ptr().cast(), buffer.len());
        match usize::try_from(got) {
            Ok(got) => {
                buffer.truncate(got);
                return Ok(buffer);
            }
            Err(_) if io::Error::last_os_error().raw_os_error() == Some(libc::ERANGE) => continue,
            Err(_) => return Err(io::Error::last_os_error()),
        }
    }
}

/// Copies every extended attribute of the file at `from` to `to`; returns how
/// many were copied. Names only privileged processes may set (`security.*`,
/// `trusted.*`) are skipped when setting them is refused, and the kernel gives
/// the copy its own; failing to copy any other one is an error, so a file is
/// not replaced without its attributes.
pub fn copy(from: &Path, to: &File) -> io::Result<usize> {
    let source = c_path(from)?;
    // SAFETY: `source` is a NUL-terminated path; the buffer pointer and size come from `sized`.
    let names = match sized(|buf, size| unsafe { libc::listxattr(source.as_ptr(), buf.cast(), size) }) {
        Ok(names) => names,
        Err(e) if unsupported(&e) => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut copied = 0;
    for name in names.split(|&b| b == 0).filter(|name| !name.is_empty()) {
        let c_name = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
        // SAFETY: as above, with a NUL-terminated attribute name.
        let value = match sized(|buf, size| unsafe { libc::getxattr(source.as_ptr(), c_name.as_ptr(), buf, size) }) {
            Ok(value) => value,
            // Removed since it was listed.
            Err(e) if e.raw_os_error() == Some(libc::ENODATA) => continue,
            Err(e) => return Err(e),
        };
        // SAFETY: the descriptor is open for the call; name and value outlive it.
        let set = unsafe { libc::fsetxattr(to.as_raw_fd(), c_name.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
        if set != 0 {
            let e = io::Error::last_os_error();
            let privileged = name.starts_with(b"security.") || name.starts_with(b"trusted.");
            if privileged && matches!(e.raw_os_error(), Some(libc::EPERM | libc::EACCES | libc::ENOTSUP)) {
                continue;
            }
            let name = OsStr::from_bytes(name).to_string_lossy();
            return Err(io::Error::new(e.kind(), format!("attribute {name}: {e}")));
        }
        copied += 1;
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(path: &Path, name: &str, value: &[u8]) -> io::Result<()> {
        let (path, name) = (c_path(path)?, CString::new(name).unwrap());
        // SAFETY: NUL-terminated path and name; the value outlives the call.
        let rc = unsafe { libc::setxattr(path.as_ptr(), name.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
        if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    fn get(path: &Path, name: &str) -> Option<Vec<u8>> {
        let (path, name) = (c_path(path).ok()?, CString::new(name).unwrap());
        // SAFETY: as in `copy`.
        sized(|buf, size| unsafe { libc::getxattr(path.as_ptr(), name.as_ptr(), buf, size) }).ok()
    }

    #[test]
    fn user_attributes_are_copied_with_their_values() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a.flac"), dir.path().join("b.flac"));
        std::fs::write(&from, b"x").unwrap();
        let target = File::create(&to).unwrap();
        let big: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        match set(&from, "user.xdg.tags", b"film,keep") {
            Err(e) if unsupported(&e) => {
                eprintln!("skipped: this file system has no user extended attributes");
                return;
            }
            other => other.unwrap(),
        }
        set(&from, "user.baloo.rating", &big).unwrap();
        assert_eq!(copy(&from, &target).unwrap(), 2);
        assert_eq!(get(&to, "user.xdg.tags").as_deref(), Some(&b"film,keep"[..]));
        assert_eq!(get(&to, "user.baloo.rating"), Some(big));
    }

    #[test]
    fn a_file_without_attributes_copies_none() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a.mp3"), dir.path().join("b.mp3"));
        std::fs::write(&from, b"x").unwrap();
        assert_eq!(copy(&from, &File::create(&to).unwrap()).unwrap(), 0);
        assert!(copy(&dir.path().join("missing.mp3"), &File::create(&to).unwrap()).is_err());
    }
}
