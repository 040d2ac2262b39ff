//! Stage 3: group tracks into albums, the context every decision is made in.
//!
//! Files of one folder with the same album tag form an album. Discs of one
//! release join: `CD1`/`Disc 2` subfolders count as their parent folder, and
//! sibling folders whose tracks carry disc numbers with the same album and
//! album artist merge. Files without an album tag: their folder is the album.

use std::collections::BTreeMap;
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
    let folder = path.parent().unwrap_or(Path::new(""));
    let is_disc = folder.file_name().and_then(|n| n.to_str()).is_some_and(|n| disc_from_folder(n).is_some());
    match (is_disc, folder.parent()) {
        (true, Some(parent)) => parent.to_path_buf(),
        _ => folder.to_path_buf(),
    }
}

fn normalized(text: Option<&str>) -> String {
    text.map(|t| t.trim().to_lowercase()).unwrap_or_default()
}

/// Groups tracks into albums, in the order of their first track.
pub fn group(tracks: &[Track]) -> Vec<Album> {
    let mut by_key: std::collections::HashMap<(PathBuf, String), Vec<usize>> = std::collections::HashMap::new();
    for (index, track) in tracks.iter().enumerate() {
        let key = (release_dir(&track.path), normalized(track.tags.album.as_deref()));
        by_key.entry(key).or_default().push(index);
    }
    let mut albums: Vec<Album> = by_key
        .into_iter()
        .map(|((dir, _), mut indices)| {
            indices.sort_by(|&a, &b| tracks[a].path.cmp(&tracks[b].path));
            Album { dir, title: majority_title(tracks, &indices), tracks: indices }
        })
        .collect();
    // Sibling discs join the first album of their release in path order, not
    // in the map's order: the result must not depend on the input order.
    albums.sort_by(|a, b| tracks[a.tracks[0]].path.cmp(&tracks[b.tracks[0]].path));
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
    let mut merged_into: Vec<Option<usize>> = vec![None; albums.len()];
    for index in 0..albums.len() {
        let Some(key) = release_key(&albums[index]) else { continue };
        match first_of.get(&key) {
            Some(&target) if discs_disjoint(tracks, &albums[target], &albums[index]) => {
                merged_into[index] = Some(target);
                let moved = std::mem::take(&mut albums[index].tracks);
                albums[target].tracks.extend(moved);
            }
            Some(_) => {}
            None => {
                first_of.insert(key, index);
            }
        }
    }
    let mut index = 0;
    albums.retain(|_| {
        let keep = merged_into[index].is_none();
        index += 1;
        keep
    });
    for album in albums.iter_mut() {
        album.tracks.sort_by(|&a, &b| tracks[a].path.cmp(&tracks[b].path));
    }
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
