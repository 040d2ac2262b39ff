//! `reeltag eval`: measures the classifier on labeled albums (eval/README.md).
//!
//! Each album file gives real tag values and a role per track. Its `style`
//! says how complete a real file's tags would be, and loading strips the
//! fields that style would not carry, so "sparse" albums are judged on
//! artist, album, title and track number alone. Paths are neutral
//! (`/eval/album-N/NN.flac`) so folder names give nothing away.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::classify::{self, Role, text};
use crate::config::EvalConfig;
use crate::error::{Exit, FatalError};
use crate::rules::Rules;
use crate::track::{Tags, Track};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlbumFile {
    album: String,
    albumartist: Option<String>,
    style: Style,
    date: Option<String>,
    #[serde(default)]
    genre: Vec<String>,
    #[serde(default)]
    releasetype: Vec<String>,
    compilation: Option<bool>,
    disc_total: Option<u32>,
    #[serde(default)]
    artist: Vec<String>,
    #[serde(default)]
    composer: Vec<String>,
    role: Option<Role>,
    /// For people reading the set; declared so unknown keys stay errors.
    #[serde(default, rename = "note")]
    _note: Option<String>,
    #[serde(rename = "track")]
    tracks: Vec<TrackFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackFile {
    n: u32,
    disc: Option<u32>,
    title: String,
    artist: Option<Vec<String>>,
    composer: Option<Vec<String>>,
    role: Option<Role>,
    #[serde(default)]
    lyrics: bool,
    /// For people reading the set; declared so unknown keys stay errors.
    #[serde(default, rename = "note")]
    _note: Option<String>,
}

/// How complete an album's tags are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// MusicBrainz-like: everything.
    Full,
    /// Artist, album artist, album, title, track, genre, date.
    Basic,
    /// Artist, album, title, track.
    Sparse,
}

/// One labeled album, as tracks the classifier can take.
#[derive(Debug)]
pub struct LabeledAlbum {
    pub source: PathBuf,
    pub style: Style,
    pub genre_classical: bool,
    pub tracks: Vec<Track>,
    pub labels: Vec<Role>,
}

/// Loads every `*.toml` album file of a folder, sorted by name.
pub fn load_set(dir: &Path) -> Result<Vec<LabeledAlbum>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files.iter().enumerate().map(|(i, path)| load_album(path, i)).collect()
}

fn load_album(path: &Path, index: usize) -> Result<LabeledAlbum, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: AlbumFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let full = file.style == Style::Full;
    let basic_or_full = file.style != Style::Sparse;
    let mut tracks = Vec::new();
    let mut labels = Vec::new();
    for (i, t) in file.tracks.iter().enumerate() {
        let role = t.role.or(file.role).ok_or_else(|| format!("{}: track {} has no role", path.display(), t.n))?;
        let artist = t.artist.clone().unwrap_or_else(|| file.artist.clone());
        let composer = t.composer.clone().unwrap_or_else(|| file.composer.clone());
        let tags = Tags {
            title: Some(t.title.clone()),
            artist,
            album: Some(file.album.clone()),
            albumartist: file.albumartist.clone().filter(|_| basic_or_full),
            composer: if full { composer } else { Vec::new() },
            genre: if basic_or_full { file.genre.clone() } else { Vec::new() },
            track: Some(t.n),
            disc: t.disc.filter(|_| full),
            disc_total: file.disc_total.filter(|_| full),
            date: file.date.clone().filter(|_| basic_or_full),
            releasetype: if full { file.releasetype.clone() } else { Vec::new() },
            compilation: file.compilation.filter(|_| full),
            lyrics: t.lyrics && full,
            ..Tags::default()
        };
        let disc = t.disc.unwrap_or(1);
        tracks.push(Track {
            path: PathBuf::from(format!("/eval/album-{index}/{disc}-{:02}-{i}.flac", t.n)),
            format: "flac",
            tag_types: vec!["vorbis"],
            id3v2_version: None,
            tags,
        });
        labels.push(role);
    }
    let genre_classical = file.genre.iter().any(|g| g.to_lowercase().contains("classical"));
    Ok(LabeledAlbum { source: path.to_path_buf(), style: file.style, genre_classical, tracks, labels })
}

/// A misclassified track.
#[derive(Debug, Clone)]
pub struct Miss {
    pub source: PathBuf,
    pub title: String,
    pub want: Role,
    pub got: Role,
    pub reasons: Vec<String>,
}

/// Figures of one evaluation.
#[derive(Debug, Default)]
pub struct EvalReport {
    pub albums: usize,
    /// confusion[(label, predicted)] = count
    pub confusion: BTreeMap<(Role, Role), usize>,
    /// per style: (correct, total)
    pub by_style: BTreeMap<Style, (usize, usize)>,
    pub classical_tracks: usize,
    pub classical_called_score: usize,
    pub misses: Vec<Miss>,
}

impl EvalReport {
    pub fn total(&self) -> usize {
        self.confusion.values().sum()
    }

    pub fn correct(&self) -> usize {
        self.confusion.iter().filter(|((a, b), _)| a == b).map(|(_, n)| n).sum()
    }

    pub fn accuracy(&self) -> f64 {
        self.correct() as f64 / self.total().max(1) as f64
    }

    pub fn style_accuracy(&self, style: Style) -> Option<f64> {
        self.by_style.get(&style).map(|(c, t)| *c as f64 / (*t).max(1) as f64)
    }

    fn count(&self, label: Option<Role>, predicted: Option<Role>) -> usize {
        self.confusion
            .iter()
            .filter(|((l, p), _)| label.is_none_or(|x| x == *l) && predicted.is_none_or(|x| x == *p))
            .map(|(_, n)| n)
            .sum()
    }

    pub fn precision(&self, role: Role) -> f64 {
        self.count(Some(role), Some(role)) as f64 / self.count(None, Some(role)).max(1) as f64
    }

    pub fn recall(&self, role: Role) -> f64 {
        self.count(Some(role), Some(role)) as f64 / self.count(Some(role), None).max(1) as f64
    }
}

/// Runs the classifier over labeled albums.
pub fn evaluate(albums: &[LabeledAlbum], rules: &Rules) -> EvalReport {
    let mut report = EvalReport { albums: albums.len(), ..EvalReport::default() };
    for album in albums {
        let refs: Vec<&Track> = album.tracks.iter().collect();
        let decisions = classify::classify(&refs, rules);
        for ((track, want), decision) in album.tracks.iter().zip(&album.labels).zip(decisions) {
            let got = decision.role;
            *report.confusion.entry((*want, got)).or_default() += 1;
            let style = report.by_style.entry(album.style).or_default();
            style.1 += 1;
            if got == *want {
                style.0 += 1;
            } else {
                report.misses.push(Miss {
                    source: album.source.clone(),
                    title: track.tags.title.clone().unwrap_or_default(),
                    want: *want,
                    got,
                    reasons: decision.reasons(),
                });
            }
            let title = track.tags.title.as_deref().unwrap_or("");
            let classical =
                *want == Role::None && (album.genre_classical || text::is_classical_title(title, &text::words(title)));
            if classical {
                report.classical_tracks += 1;
                if got == Role::Score {
                    report.classical_called_score += 1;
                }
            }
        }
    }
    report
}

const ROLES: [Role; 3] = [Role::Score, Role::Song, Role::None];

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "albums {}, tracks {}, accuracy {:.1}% ({} of {})",
            self.albums,
            self.total(),
            100.0 * self.accuracy(),
            self.correct(),
            self.total()
        )?;
        writeln!(f, "role    precision  recall")?;
        for role in ROLES {
            writeln!(
                f,
                "{:<7} {:>8.1}%  {:>5.1}%",
                role.as_str(),
                100.0 * self.precision(role),
                100.0 * self.recall(role)
            )?;
        }
        writeln!(f, "confusion (rows: label, columns: predicted)\n        score   song   none")?;
        for label in ROLES {
            write!(f, "{:<7}", label.as_str())?;
            for predicted in ROLES {
                write!(f, " {:>6}", self.confusion.get(&(label, predicted)).copied().unwrap_or(0))?;
            }
            writeln!(f)?;
        }
        for (style, (correct, total)) in &self.by_style {
            let pct = 100.0 * *correct as f64 / (*total).max(1) as f64;
            writeln!(f, "style {:<7} {pct:>5.1}% ({correct} of {total})", format!("{style:?}").to_lowercase())?;
        }
        writeln!(f, "classical tracks called score: {} of {}", self.classical_called_score, self.classical_tracks)
    }
}

pub fn run(config: &EvalConfig) -> Result<Exit, FatalError> {
    let rules = Rules::default();
    let mut all = Vec::new();
    for set in &config.sets {
        let albums = load_set(set).map_err(FatalError::Config)?;
        let report = evaluate(&albums, &rules);
        println!("== {}\n{report}", set.display());
        if config.misses {
            for miss in &report.misses {
                let file = miss.source.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                println!("  miss: {file}: \"{}\" is {}, called {}", miss.title, miss.want, miss.got);
                for reason in &miss.reasons {
                    println!("      {reason}");
                }
            }
            println!();
        }
        all.extend(albums);
    }
    if config.sets.len() > 1 {
        println!("== all sets\n{}", evaluate(&all, &rules));
    }
    Ok(Exit::Success)
}
