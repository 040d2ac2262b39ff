//! Stage 3: group tracks into albums, the context every decision is made in.
//!
//! Files of one folder with the same album tag form an album. Discs of one
//! release join: `CD1`/`Disc 2` subfolders count as their parent folder, and
//! sibling folders whose tracks carry disc numbers with the same album and
//! album artist merge. Files without an album tag: their folder is the album.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::track::Track;

/// One album: indices into the track list it was grouped from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Album {
    /// The release folder (the parent of `CD1`-style disc folders).
    pub dir: PathBuf,
    /// The album tag most tracks carry, if any.
    pub title: Option<String>,
    pub tracks: Vec<usize>,
}

/// The disc number a folder name announces: "CD2", "Disc 2", "disk 3 - Bonus".
pub fn disc_from_folder(name: &str) -> Option<u32> {
    // Runs for every file's folder: compare case-insensitively in place, no lowercase copy.
    let name = name.trim();
    let prefix = ["disc", "disk", "cd"]
        .iter()
        .find(|p| name.as_bytes().get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes())))?;
    let rest = name[prefix.len()..].trim_start_matches([' ', '_', '-', '.']);
    let digits = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    let after = &rest[digits.len()..];
    // "CD2" or "Disc 2 - Bonus", but not "Discovery" or "CD2005 Remaster".
    if digits.is_empty() || digits.len() > 2 || after.chars().next().is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    digits.parse().ok()
}

/// The folder an album lives in: a file's folder, or its parent for `CD1`-style disc folders.
pub fn release_dir(path: &Path) -> PathBuf {
    release_dir_of(path).to_path_buf()
}

/// [`release_dir`], borrowed from the file's path.
pub fn release_dir_of(path: &Path) -> &Path {
    let folder = path.parent().unwrap_or(Path::new(""));
    let is_disc = folder.file_name().and_then(|n| n.to_str()).is_some_and(|n| disc_from_folder(n).is_some());
    match (is_disc, folder.parent()) {
        (true, Some(parent)) => parent,
        _ => folder,
    }
}

/// Path order, as `Path::cmp` gives it, without parsing components in the
/// common case: paths sort per track, and most pairs differ inside a plain
/// component, where component order is byte order.
pub fn path_cmp(a: &Path, b: &Path) -> Ordering {
    let (x, y) = (a.as_os_str().as_encoded_bytes(), b.as_os_str().as_encoded_bytes());
    let Some(i) = first_difference(x, y) else {
        return if x.len() == y.len() { Ordering::Equal } else { a.cmp(b) };
    };
    let start = x[..i].iter().rposition(|&c| c == b'/').map_or(0, |slash| slash + 1);
    // Separators, "." and ".." components order differently from their bytes.
    let plain = |bytes: &[u8]| bytes[i] != b'/' && bytes[start] != b'.';
    if plain(x) && plain(y) { x[i].cmp(&y[i]) } else { a.cmp(b) }
}

/// Where two byte strings first differ, eight bytes at a time: paths share
/// long prefixes.
fn first_difference(x: &[u8], y: &[u8]) -> Option<usize> {
    let common = x.len().min(y.len());
    let mut at = 0;
    while at + 8 <= common {
        let word = |bytes: &[u8]| <[u8; 8]>::try_from(&bytes[at..at + 8]).ok().map(u64::from_ne_bytes);
        if word(x) != word(y) {
            break;
        }
        at += 8;
    }
    (at..common).find(|&k| x[k] != y[k])
}

fn normalized(text: Option<&str>) -> String {
    text.map(|t| t.trim().to_lowercase()).unwrap_or_default()
}

/// Whether two trimmed album tags name the same album: equal once lowercased.
fn same_album(a: &str, b: &str) -> bool {
    a == b
        || if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

/// A file or folder name that `Path` takes as one plain component.
fn is_plain_name(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/')
}

/// The last folder's release folder, kept for the next file: files of one
/// folder come together, and parsing path components is dear.
#[derive(Default)]
struct FolderCache<'t> {
    last: Option<(&'t [u8], &'t Path)>,
}

impl<'t> FolderCache<'t> {
    fn release_dir(&mut self, path: &'t Path) -> &'t Path {
        let bytes = path.as_os_str().as_encoded_bytes();
        if let Some((folder, release)) = self.last
            && bytes.len() > folder.len() + 1
            && bytes.starts_with(folder)
            && bytes[folder.len()] == b'/'
            && is_plain_name(&bytes[folder.len() + 1..])
        {
            return release;
        }
        let release = release_dir_of(path);
        // Only a folder ending in a plain name is surely the parent of "folder/name".
        let folder = path.parent().map(|f| f.as_os_str().as_encoded_bytes());
        self.last =
            folder.filter(|f| is_plain_name(f.rsplit(|&c| c == b'/').next().unwrap_or_default())).map(|f| (f, release));
        release
    }
}

/// One album being gathered: its folder, the album tag of its first track
/// (trimmed) and its tracks.
struct Gathering<'t> {
    dir: &'t Path,
    album: &'t str,
    tracks: Vec<usize>,
}

/// Groups tracks into albums, in the order of their first track.
pub fn group(tracks: &[Track]) -> Vec<Album> {
    let mut gathered: Vec<Gathering<'_>> = Vec::new();
    // Looked up only when a track leaves the previous track's album, so the
    // few albums of a chunk cost no hashing, and thousands stay linear.
    let mut by_key: HashMap<(&Path, String), usize> = HashMap::new();
    let mut folders = FolderCache::default();
    let mut last: Option<usize> = None;
    for (index, track) in tracks.iter().enumerate() {
        let dir = folders.release_dir(&track.path);
        let album = track.tags.album.as_deref().map_or("", str::trim);
        let same = |g: &usize| gathered[*g].dir == dir && same_album(gathered[*g].album, album);
        let at = match last.filter(same) {
            Some(at) => at,
            None => *by_key.entry((dir, album.to_lowercase())).or_insert_with(|| {
                gathered.push(Gathering { dir, album, tracks: Vec::new() });
                gathered.len() - 1
            }),
        };
        gathered[at].tracks.push(index);
        last = Some(at);
    }
    let by_path = |a: &usize, b: &usize| path_cmp(&tracks[*a].path, &tracks[*b].path);
    let mut albums: Vec<Album> = gathered
        .into_iter()
        .map(|mut g| {
            g.tracks.sort_by(by_path);
            Album { dir: g.dir.to_path_buf(), title: majority_title(tracks, &g.tracks), tracks: g.tracks }
        })
        .collect();
    // Sibling discs join the first album of their release in path order, not
    // in the order albums were met: the result must not depend on the input order.
    albums.sort_by(|a, b| by_path(&a.tracks[0], &b.tracks[0]));
    merge_sibling_discs(tracks, &mut albums);
    albums.sort_by_key(|a| a.tracks.first().copied());
    albums
}

fn majority_title(tracks: &[Track], indices: &[usize]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in indices {
        if let Some(title) = tracks[i].tags.album.as_deref() {
            *counts.entry(title).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(t, _)| t.to_string())
}

/// Sibling folders holding different discs of one tagged release join.
fn merge_sibling_discs(tracks: &[Track], albums: &mut Vec<Album>) {
    type Key = (PathBuf, String, String);
    let release_key = |album: &Album| -> Option<Key> {
        let title = normalized(album.title.as_deref());
        let all_have_discs = album.tracks.iter().all(|&i| tracks[i].tags.disc.is_some());
        if title.is_empty() || !all_have_discs {
            return None;
        }
        let first = &tracks[album.tracks[0]];
        let parent = album.dir.parent()?.to_path_buf();
        Some((parent, title, normalized(first.tags.albumartist.as_deref())))
    };
    let mut first_of: BTreeMap<Key, usize> = BTreeMap::new();
    // Only albums that took in a sibling need sorting again.
    let mut grew = vec![false; albums.len()];
    let mut merged_into: Vec<Option<usize>> = vec![None; albums.len()];
    for index in 0..albums.len() {
        let Some(key) = release_key(&albums[index]) else { continue };
        match first_of.get(&key) {
            Some(&target) if discs_disjoint(tracks, &albums[target], &albums[index]) => {
                merged_into[index] = Some(target);
                grew[target] = true;
                let moved = std::mem::take(&mut albums[index].tracks);
                albums[target].tracks.extend(moved);
            }
            Some(_) => {}
            None => {
                first_of.insert(key, index);
            }
        }
    }
    for (album, _) in albums.iter_mut().zip(&grew).filter(|(_, grew)| **grew) {
        album.tracks.sort_by(|&a, &b| path_cmp(&tracks[a].path, &tracks[b].path));
    }
    let mut index = 0;
    albums.retain(|_| {
        let keep = merged_into[index].is_none();
        index += 1;
        keep
    });
}

fn discs_disjoint(tracks: &[Track], a: &Album, b: &Album) -> bool {
    let discs = |album: &Album| album.tracks.iter().filter_map(|&i| tracks[i].tags.disc).collect::<Vec<_>>();
    let first = discs(a);
    discs(b).iter().all(|d| !first.contains(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::Tags;

    fn track(path: &str, album: Option<&str>, disc: Option<u32>) -> Track {
        Track {
            path: PathBuf::from(path),
            format: "flac",
            tag_types: vec!["vorbis"],
            id3v2_version: None,
            tags: Tags {
                album: album.map(str::to_owned),
                disc,
                albumartist: Some("Hans Zimmer".into()),
                ..Tags::default()
            },
        }
    }

    #[test]
    fn disc_folders_are_recognised() {
        assert_eq!(disc_from_folder("CD1"), Some(1));
        assert_eq!(disc_from_folder("Disc 2"), Some(2));
        assert_eq!(disc_from_folder("disk_3 - Bonus"), Some(3));
        assert_eq!(disc_from_folder("Discovery"), None);
        assert_eq!(disc_from_folder("CD2005 Remaster"), None);
        assert_eq!(disc_from_folder("Interstellar"), None);
    }

    #[test]
    fn path_order_matches_path_cmp() {
        let paths = [
            "/m/a/b.mp3",
            "/m/a-b.mp3",
            "/m/a/./b.mp3",
            "/m/a//b.mp3",
            "/m/.a/b",
            "/m/..b",
            "/m/../b",
            "/m/a.mp3",
            "/m/a",
            "/m/a/",
            "a/b",
            "./a/b",
            "/m/A/b",
            "/m/ä/b",
            "",
            "/",
            "/m/a/b.flac",
            "/m/a/c.mp3",
            "/music/Soundtracks/Interstellar/CD1/01 Dreaming of the Crash.flac",
            "/music/Soundtracks/Interstellar/CD1/01 Dreaming of the Crash.mp3",
            "/music/Soundtracks/Interstellar/CD1/02 Cornfield Chase.flac",
            "/music/Soundtracks/Interstellar/CD2/01 Day One.flac",
            "/music/Soundtracks/Interstellar-CD2/01 Day One.flac",
            "/music/Soundtracks/Interstellar/./CD2/01 Day One.flac",
        ];
        for a in paths {
            for b in paths {
                assert_eq!(path_cmp(Path::new(a), Path::new(b)), Path::new(a).cmp(Path::new(b)), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn grouping_table() {
        let tracks = vec![
            // 0,1: disc subfolders of one release
            track("/m/Interstellar/CD1/01.mp3", Some("Interstellar"), None),
            track("/m/Interstellar/CD2/01.mp3", Some("Interstellar"), None),
            // 2,3: one folder, two album tags: two albums
            track("/m/Mixed/01.mp3", Some("A"), None),
            track("/m/Mixed/02.mp3", Some("B"), None),
            // 4,5: no album tag: the folder is the album
            track("/m/Loose/x.mp3", None, None),
            track("/m/Loose/y.mp3", None, None),
            // 6,7: sibling folders, same album and albumartist, disjoint disc numbers
            track("/m/Dune Part 1/01.flac", Some("Dune"), Some(1)),
            track("/m/Dune Part 2/01.flac", Some("Dune"), Some(2)),
            // 8,9: sibling folders, same album, same disc number: different releases
            track("/m/Best Of A/01.flac", Some("Best Of"), Some(1)),
            track("/m/Best Of B/01.flac", Some("Best Of"), Some(1)),
        ];
        let albums = group(&tracks);
        let sets: Vec<Vec<usize>> = albums.iter().map(|a| a.tracks.clone()).collect();
        assert!(sets.contains(&vec![0, 1]), "{sets:?}");
        assert!(sets.contains(&vec![2]) && sets.contains(&vec![3]), "{sets:?}");
        assert!(sets.contains(&vec![4, 5]), "{sets:?}");
        assert!(sets.contains(&vec![6, 7]), "{sets:?}");
        assert!(sets.contains(&vec![8]) && sets.contains(&vec![9]), "{sets:?}");
        assert_eq!(albums.iter().map(|a| a.tracks.len()).sum::<usize>(), tracks.len());
    }
}
