//! Chunks: the units the drivers' workers take, each holding whole albums.
//!
//! Candidates are split into chunks of the files of release folders with the
//! same parent and the same name once a disc number is dropped, so CD1/CD2
//! folders and sibling "Disc 1"/"Disc 2" folders stay together. A chunk
//! larger than a part is read as several jobs and handled once all are in.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A release folder's name without a trailing disc, part or volume number
/// ("Album (Disc 2)", "Album CD2", "Album Part 2" → "album"): sibling folders
/// that may hold discs of one release share it, so they share a chunk, while
/// a folder of thousands of albums (Various Artists) is not one huge chunk.
/// Stripping more than needed only makes a chunk larger, never wrong.
fn release_stem(name: &str) -> String {
    let mut stem = name.trim().to_lowercase();
    loop {
        let before = stem.len();
        let trimmed = stem.trim_end_matches([')', ']', ' ', '_', '-', '.', '#']);
        let without_number = trimmed.trim_end_matches(|c: char| c.is_ascii_digit());
        if without_number.len() == trimmed.len() {
            break;
        }
        let mut rest = without_number.trim_end_matches([' ', '_', '-', '.', '#']);
        for marker in ["disc", "disk", "cd", "part", "pt", "volume", "vol", "side"] {
            if let Some(head) = rest.strip_suffix(marker) {
                rest = head;
                break;
            }
        }
        stem = rest.trim_end_matches(['(', '[', ' ', '_', '-', '.', ',']).to_string();
        if stem.len() == before || stem.is_empty() {
            break;
        }
    }
    if stem.is_empty() { name.trim().to_lowercase() } else { stem }
}

/// One chunk: the folder its albums sit in, and its candidates' indices.
#[derive(Debug)]
pub(crate) struct Chunk {
    pub folder: PathBuf,
    /// The chunk's key in the state file: the folder and the release's stem,
    /// as a path (several chunks share a folder).
    pub key: PathBuf,
    pub members: Vec<usize>,
}

/// Groups candidate indices into chunks of whole albums, in order of first file.
pub(crate) fn chunks(candidates: &[PathBuf]) -> Vec<Chunk> {
    let mut chunk_of: HashMap<PathBuf, usize> = HashMap::new();
    let mut chunks: Vec<Chunk> = Vec::new();
    // Files of one folder come one after another and share a chunk: its key
    // is worked out once per folder.
    let mut last: Option<(&[u8], usize)> = None;
    for (index, path) in candidates.iter().enumerate() {
        let parent = path.parent().map_or(&b""[..], |p| p.as_os_str().as_bytes());
        if let Some((folder, chunk)) = last
            && folder == parent
        {
            chunks[chunk].members.push(index);
            continue;
        }
        let release = crate::album::release_dir(path);
        let stem = release.file_name().map(|n| release_stem(&n.to_string_lossy())).unwrap_or_default();
        let folder = release.parent().map(PathBuf::from).unwrap_or(release);
        let key = folder.join(&stem);
        let chunk = *chunk_of.entry(key.clone()).or_insert_with(|| {
            chunks.push(Chunk { folder, key, members: Vec::new() });
            chunks.len() - 1
        });
        chunks[chunk].members.push(index);
        last = Some((parent, chunk));
    }
    chunks
}

/// Files per job: a chunk larger than this (a flat folder of thousands of
/// files) is read by several workers at once and handled when its last part is in.
const PART_FILES: usize = 32;

/// One job: members `start..end` of a chunk.
pub(crate) struct Part {
    pub chunk: usize,
    pub start: usize,
    pub end: usize,
}

/// Where a driver's shared state keeps its parts, chunks and candidate paths.
pub(crate) type Layout<S> = fn(&S) -> (&[Part], &[Chunk], &[PathBuf]);

/// Lets helpers warm the page cache ahead of `supervisor`'s readers while
/// their reads wait on the disk (see `Supervisor::warm_ahead_while_waiting`):
/// unless `-j` set the threads, or the state file serves most files, which
/// are then not read. A helper's job is to start reading one part's files;
/// `layout` picks the parts, chunks and candidate paths out of a driver's
/// shared state.
pub(crate) fn warm_ahead<S: Send + Sync + 'static, T: Send + 'static>(
    supervisor: &mut crate::supervise::Supervisor<T>,
    input: &crate::config::Input,
    view: Option<&crate::stream::CacheView>,
    shared: &Arc<S>,
    layout: Layout<S>,
) {
    if input.warmers == 0 || crate::stream::CacheView::serves_most(view) {
        return;
    }
    let shared = Arc::clone(shared);
    supervisor.warm_ahead_while_waiting(
        input.warmers,
        Box::new(move |part| {
            let (parts, chunks, candidates) = layout(&shared);
            let Part { chunk, start, end } = parts[part];
            for &i in &chunks[chunk].members[start..end] {
                crate::warm::file(&candidates[i]);
            }
        }),
    );
}

/// The workers' jobs, and the outcomes of chunks split into several parts
/// until their last part is in.
pub(crate) struct Parts<O> {
    pub list: Vec<Part>,
    partial: Mutex<HashMap<usize, Partial<O>>>,
}

struct Partial<O> {
    outcomes: Vec<Option<O>>,
    missing_parts: usize,
}

impl<O> Parts<O> {
    pub fn new(chunks: &[Chunk]) -> Self {
        let mut list = Vec::new();
        for (chunk, c) in chunks.iter().enumerate() {
            for start in (0..c.members.len()).step_by(PART_FILES) {
                list.push(Part { chunk, start, end: (start + PART_FILES).min(c.members.len()) });
            }
        }
        Parts { list, partial: Mutex::new(HashMap::new()) }
    }

    /// Takes part `part`'s outcomes (one per member, in order); returns the
    /// whole chunk's once every part of it is in.
    pub fn complete(&self, part: usize, outcomes: Vec<O>, chunk_len: usize) -> Option<Vec<O>> {
        let Part { chunk, start, .. } = self.list[part];
        let parts_of_chunk = chunk_len.div_ceil(PART_FILES);
        if parts_of_chunk == 1 {
            return Some(outcomes);
        }
        let mut partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
        let waiting = partial.entry(chunk).or_insert_with(|| Partial {
            outcomes: (0..chunk_len).map(|_| None).collect(),
            missing_parts: parts_of_chunk,
        });
        for (n, outcome) in outcomes.into_iter().enumerate() {
            waiting.outcomes[start + n] = Some(outcome);
        }
        waiting.missing_parts -= 1;
        if waiting.missing_parts > 0 {
            return None;
        }
        let done = partial.remove(&chunk).expect("the chunk is waiting");
        Some(done.outcomes.into_iter().map(|o| o.expect("every part is in")).collect())
    }
}

/// The path below its chunk folder, as the store keys it.
pub(crate) fn rel_of(path: &Path, folder: &Path) -> Vec<u8> {
    path.strip_prefix(folder).unwrap_or(path).as_os_str().as_bytes().to_vec()
}

pub(crate) fn in_roots(folder: &Path, rel: &[u8], roots: &[PathBuf]) -> bool {
    let path = folder.join(std::ffi::OsStr::from_bytes(rel));
    roots.iter().any(|root| path.starts_with(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_albums_and_discs_together() {
        let paths: Vec<PathBuf> = [
            "/m/Loose/a.mp3",
            "/m/Loose/Album/01.mp3",
            "/m/Loose/z.mp3",
            "/m/Zimmer/Interstellar/CD1/01.mp3",
            "/m/Zimmer/Interstellar/CD2/01.mp3",
            "/m/Zimmer/Dune Part 1/01.flac",
            "/m/Zimmer/Dune Part 2/01.flac",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let chunks = chunks(&paths);
        let together = |a: usize, b: usize| chunks.iter().any(|c| c.members.contains(&a) && c.members.contains(&b));
        assert!(together(0, 2), "loose files of one folder: {chunks:?}");
        assert!(together(3, 4), "disc folders: {chunks:?}");
        assert!(together(5, 6), "sibling folders: {chunks:?}");
        assert_eq!(chunks.iter().map(|c| c.members.len()).sum::<usize>(), paths.len());
        let apart = |a: usize, b: usize| !together(a, b);
        assert!(apart(1, 3) && apart(5, 3), "unrelated albums: {chunks:?}");
    }

    #[test]
    fn a_large_chunk_is_whole_once_its_last_part_is_in() {
        let members = PART_FILES * 2 + 5;
        let chunks = vec![
            Chunk { folder: "/m".into(), key: "/m/a".into(), members: (0..members).collect() },
            Chunk { folder: "/m".into(), key: "/m/b".into(), members: vec![members] },
        ];
        let parts: Parts<usize> = Parts::new(&chunks);
        assert_eq!(parts.list.len(), 4, "three parts, then the small chunk");
        let outcomes = |part: usize| -> Vec<usize> { (parts.list[part].start..parts.list[part].end).collect() };
        // Parts finish out of order, as workers do.
        assert_eq!(parts.complete(2, outcomes(2), members), None);
        assert_eq!(parts.complete(3, vec![7], 1), Some(vec![7]));
        assert_eq!(parts.complete(0, outcomes(0), members), None);
        assert_eq!(parts.complete(1, outcomes(1), members), Some((0..members).collect()));
    }

    #[test]
    fn release_stems_drop_disc_numbers_only() {
        for (name, stem) in [
            ("Interstellar", "interstellar"),
            ("Album (Disc 2)", "album"),
            ("Album CD2", "album"),
            ("Album - CD 1", "album"),
            ("Album [Disc 1]", "album"),
            ("Dune Part 2", "dune"),
            ("Blade Runner 2049", "blade runner"),
            ("CD1", "cd1"),
            ("1917", "1917"),
        ] {
            assert_eq!(release_stem(name), stem, "{name}");
        }
    }
}
