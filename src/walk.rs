//! Stage 1: find candidate files under the given paths.
//!
//! Walking only lists names; whether a file is audio is decided by its
//! content in the read stage. Files that are plainly not audio (covers, cue
//! sheets, rip logs) are skipped here by extension so they are never opened.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::error::{FileError, Stage};

/// Extensions that are never audio: skipped without being opened.
const NOT_AUDIO: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "cue", "log", "nfo", "txt", "md", "pdf", "m3u", "m3u8",
    "pls", "sfv", "md5", "ffp", "accurip", "db", "ini", "json", "xml", "html", "htm", "url", "lrc", "toc",
];

/// Marker in the names of reeltag's own temporary files, which a scan ignores.
pub const TEMP_MARKER: &str = ".reeltag-tmp";

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    pub follow_links: bool,
    pub hidden: bool,
    pub max_depth: Option<usize>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Files to read, sorted by path.
    pub candidates: Vec<PathBuf>,
    /// Files passed over: non-audio extensions, symlinks not followed, temp files.
    pub skipped: usize,
    /// Folders or entries that could not be listed.
    pub errors: Vec<FileError>,
    /// Temporary files a killed `reeltag tag` left behind: never read, removed by the next `tag`.
    pub stale_temps: Vec<PathBuf>,
}

/// Walks every root (a folder or a single file) and returns candidates sorted by
/// path, so the output order never depends on the file system or thread count.
pub fn walk(roots: &[PathBuf], options: &WalkOptions) -> Walked {
    let mut walked = Walked::default();
    for root in roots {
        walk_root(root, options, &mut walked);
    }
    // Several roots: their files interleave and may overlap.
    if roots.len() > 1 {
        walked.candidates.sort();
        walked.candidates.dedup();
    }
    walked
}

/// Walks one root: its top-level folders in parallel (listing folders is
/// mostly system-call time, which two cores halve), and the pieces joined in
/// sorted order: the same result as one sequential walk.
fn walk_root(root: &Path, options: &WalkOptions, walked: &mut Walked) {
    // Loop detection needs a link's whole chain of ancestors: links are followed in one walk.
    if options.follow_links || options.max_depth.is_some_and(|depth| depth < 2) {
        return walk_tree(root, 0, options, walked);
    }
    let hidden = options.hidden;
    let entries = WalkDir::new(root)
        .follow_root_links(true)
        .sort_by(by_name)
        .max_depth(1)
        .into_iter()
        .filter_entry(move |e| hidden || e.depth() == 0 || !is_hidden(e.file_name()));
    // Top-level files, and a placeholder for each subtree, in sorted order.
    let mut pieces: Vec<Walked> = vec![Walked::default()];
    let mut subtrees: Vec<(usize, PathBuf)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) if entry.depth() == 1 && entry.file_type().is_dir() => {
                subtrees.push((pieces.len(), entry.into_path()));
                pieces.push(Walked::default());
                pieces.push(Walked::default());
            }
            entry => visit(entry, root, pieces.last_mut().expect("never empty")),
        }
    }
    let walked_subtrees: Vec<(usize, Walked)> = subtrees
        .into_par_iter()
        .map(|(at, dir)| {
            let mut subtree = Walked::default();
            walk_tree(&dir, 1, options, &mut subtree);
            (at, subtree)
        })
        .collect();
    for (at, subtree) in walked_subtrees {
        pieces[at] = subtree;
    }
    for piece in pieces {
        walked.candidates.extend(piece.candidates);
        walked.skipped += piece.skipped;
        walked.errors.extend(piece.errors);
        walked.stale_temps.extend(piece.stale_temps);
    }
}

/// Walks `root`, found `depth` levels below the root the user named, in one pass.
fn walk_tree(root: &Path, depth: usize, options: &WalkOptions, walked: &mut Walked) {
    // Sorting each folder's entries by name gives the same order as sorting
    // all paths (component by component), without a global sort.
    let mut walker = WalkDir::new(root).follow_links(options.follow_links).follow_root_links(true).sort_by(by_name);
    if let Some(max_depth) = options.max_depth {
        walker = walker.max_depth(max_depth - depth);
    }
    let hidden = options.hidden;
    // depth 0 is the root itself, which the user named (or which was checked
    // one level up) and so is never hidden.
    let entries = walker.into_iter().filter_entry(move |e| hidden || e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in entries {
        visit(entry, root, walked);
    }
}

/// Files one walk entry: a candidate, a skipped or temporary file, or an error.
fn visit(entry: walkdir::Result<walkdir::DirEntry>, root: &Path, walked: &mut Walked) {
    match entry {
        Ok(entry) => {
            let file_type = entry.file_type();
            if file_type.is_dir() {
                return;
            }
            if is_temp(entry.path()) {
                walked.stale_temps.push(entry.into_path());
                return;
            }
            // A link named on the command line is followed, as a linked root folder
            // is: the user named it. Links found inside folders need -L.
            // (Subtree walks start at folders, so their depth 0 is never a file.)
            let named_link_to_file = entry.depth() == 0 && file_type.is_symlink() && entry.path().is_file();
            // (An entry that is a link is never `is_file`: walkdir does not follow it.)
            if !(file_type.is_file() || named_link_to_file) || skip_by_name(entry.path()) {
                walked.skipped += 1;
                return;
            }
            walked.candidates.push(entry.into_path());
        }
        Err(err) => {
            let path = err.path().unwrap_or(root).to_path_buf();
            let message = match err.loop_ancestor() {
                Some(ancestor) => format!("symlink loop back to {}", ancestor.display()),
                None => crate::error::error_chain(&err),
            };
            let hint = if err.loop_ancestor().is_some() {
                Some("the loop was not followed")
            } else {
                crate::error::hint_for(&err)
            };
            walked.errors.push(FileError::with_message(&path, Stage::Walk, message, hint));
        }
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Whether a path is one of reeltag's temporary files.
pub fn is_temp(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().contains(TEMP_MARKER))
}

/// Orders the entries of one folder by name. They all share the folder's
/// path as a prefix, so comparing whole paths as bytes gives the order of
/// their names without parsing each path for its last component, which
/// `sort_by_file_name` does on every comparison (12% of an unchanged re-run).
fn by_name(a: &walkdir::DirEntry, b: &walkdir::DirEntry) -> std::cmp::Ordering {
    a.path().as_os_str().as_bytes().cmp(b.path().as_os_str().as_bytes())
}

fn skip_by_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|ext| NOT_AUDIO.iter().any(|n| n.eq_ignore_ascii_case(ext)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_audio_and_temp_files_are_skipped_by_name() {
        assert!(skip_by_name(Path::new("a/cover.JPG")));
        assert!(skip_by_name(Path::new("a/rip.log")));
        assert!(is_temp(Path::new("a/01.flac.reeltag-tmp-1234")));
        assert!(!is_temp(Path::new("a/01.flac")));
        assert!(!skip_by_name(Path::new("a/01.flac")));
        assert!(!skip_by_name(Path::new("a/no_extension")));
    }

    #[test]
    fn hidden_means_a_leading_dot() {
        assert!(is_hidden(std::ffi::OsStr::new(".git")));
        assert!(!is_hidden(std::ffi::OsStr::new("a.git")));
    }
}
