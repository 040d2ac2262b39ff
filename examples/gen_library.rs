//! Builds a synthetic music library for the scan benchmark (see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example gen_library -- OUT_DIR N_FILES [--seed S] [--varied-names]
//! ```
//!
//! Every audio file is a copy of one of the committed fixtures in
//! `fixtures/formats/` with new tags written by lofty. Albums hold 8 to 16
//! tracks (about 12 on average), one format per album, laid out as
//! `Album Artist/Album/NN Title.ext` (`.../CD1/...` for two-disc albums). The
//! album kinds are film scores ("... (Original Motion Picture Soundtrack)" by
//! one composer), song compilations by Various Artists, ordinary albums and
//! classical recordings with composer tags. About a quarter of the albums embed
//! a front cover of 30 to 200 KB in every track: random bytes behind a valid
//! JPEG header (lofty never decodes images). Every album folder also has a
//! `cover.jpg`, and most have a `.cue` and a `.log` from a CD rip.
//!
//! The output depends only on N_FILES and the seed, not on the thread count:
//! albums are planned in order from one random stream, and each album then
//! draws its own bytes from a stream seeded by the plan.
//!
//! `--varied-names` draws about half of the surnames, band and film nouns and
//! orchestra cities from made-up words of two or three syllables (about 14,000
//! of them) instead of the short lists alone, so the number of distinct artists
//! and albums keeps growing with the library, as in a real collection of
//! 200,000 files. Without it the output is the same as before the flag existed.

use std::collections::HashSet;
use std::error::Error;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use lofty::ape::ApeTag;
use lofty::config::WriteOptions;
use lofty::picture::{MimeType, Picture, PictureType};
use lofty::tag::{ItemKey, ItemValue, Tag, TagExt, TagItem, TagType};
use rayon::prelude::*;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

const USAGE: &str = "usage: gen_library OUT_DIR N_FILES [--seed S] [--varied-names]";
const DEFAULT_SEED: u64 = 20_000;
/// Share of albums whose tracks embed a front cover.
const COVER_SHARE: f64 = 0.25;
const COVER_BYTES: (usize, usize) = (30 * 1024, 200 * 1024);

// ---------------------------------------------------------------------------
// Random numbers: SplitMix64, so the output is the same on every platform and
// no extra crate is needed.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5EED_F00D_2EE1_7A65)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut roll = self.below(total as usize) as u32;
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return index;
            }
            roll -= weight;
        }
        weights.len() - 1
    }

    fn fill(&mut self, out: &mut [u8]) {
        let mut chunks = out.chunks_exact_mut(8);
        for chunk in &mut chunks {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let tail = chunks.into_remainder();
        let bytes = self.next_u64().to_le_bytes();
        tail.copy_from_slice(&bytes[..tail.len()]);
    }
}

// ---------------------------------------------------------------------------
// Word lists. Small on purpose: names repeat across albums, as they do in
// real libraries.

const FIRST: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Iris", "Jonas", "Kai", "Lena", "Marco",
    "Nina", "Oscar", "Paula", "Rafael", "Sofia", "Tomás", "Ulla", "Victor", "Wen", "Yusuf", "Zoë", "Jürgen", "Hélène",
    "Mika", "Ravi", "Ingrid", "Aiko",
];
const LAST: &[&str] = &[
    "Albrecht",
    "Barros",
    "Castellano",
    "Doyle",
    "Eriksen",
    "Fontaine",
    "Grayson",
    "Halvorsen",
    "Ishikawa",
    "Janssen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "O'Connell",
    "Petrović",
    "Quinlan",
    "Rahman",
    "Sørensen",
    "Tanaka",
    "Underwood",
    "Valdés",
    "Whitfield",
    "Yamada",
    "Zimmermann",
    "Brandt",
    "Callahan",
    "Dufresne",
    "Esposito",
    "Fischer",
];
const ADJ: &[&str] = &[
    "Silent", "Crimson", "Electric", "Hollow", "Golden", "Midnight", "Broken", "Velvet", "Distant", "Burning",
    "Frozen", "Wild", "Last", "Lonely", "Northern", "Hidden", "Paper", "Iron", "Glass", "Endless", "Restless",
    "Secret",
];
const NOUN: &[&str] = &[
    "River", "Empire", "Harbor", "Engine", "Garden", "Horizon", "Signal", "Lantern", "Mountain", "Shadow", "Ocean",
    "Machine", "Kingdom", "Station", "Desert", "Forest", "Mirror", "Tide", "Comet", "Frontier", "Citadel", "Echo",
];
const PLACE: &[&str] = &[
    "Berlin", "Prague", "London", "Vienna", "Oslo", "Seoul", "Boston", "Lyon", "Budapest", "Tokyo", "Warsaw", "Dublin",
];
const CUE: &[&str] = &[
    "Main Title",
    "Prologue",
    "The Chase",
    "Arrival",
    "First Light",
    "Into the Dark",
    "The Escape",
    "Farewell",
    "Aftermath",
    "The Reveal",
    "Night Watch",
    "Homecoming",
    "Ambush",
    "Reunion",
    "The Long Road",
    "Betrayal",
    "Epilogue",
    "End Credits",
];
const SONG_START: &[&str] = &[
    "Hold On",
    "Dancing",
    "Running",
    "Falling",
    "Waiting",
    "Driving",
    "Dreaming",
    "Calling",
    "Coming Home",
    "Burning",
    "Lost",
    "Shine",
    "Stay",
];
const SONG_END: &[&str] = &[
    "Tonight",
    "in the Rain",
    "to the Sea",
    "for You",
    "All Night",
    "Again",
    "on Fire",
    "in the Dark",
    "Forever",
    "Away",
    "with Me",
    "Slowly",
];
const GENRES: &[&str] = &["Rock", "Pop", "Electronic", "Jazz", "Hip-Hop", "Folk", "Indie", "Soul", "Metal", "Country"];
const LABELS: &[&str] = &[
    "Lakeshore Records",
    "Varèse Sarabande",
    "Milan Records",
    "WaterTower Music",
    "Sony Classical",
    "Deutsche Grammophon",
    "Decca",
    "Sub Pop",
    "Warp",
    "Columbia",
];
const CLASSICAL: &[&str] = &[
    "Ludwig van Beethoven",
    "Wolfgang Amadeus Mozart",
    "Johannes Brahms",
    "Antonín Dvořák",
    "Pyotr Ilyich Tchaikovsky",
    "Gustav Mahler",
    "Jean Sibelius",
    "Johann Sebastian Bach",
    "Franz Schubert",
    "Felix Mendelssohn",
];
const WORK: &[&str] = &["Symphony", "Piano Concerto", "Violin Concerto", "String Quartet", "Piano Sonata", "Serenade"];
const KEYS: &[&str] =
    &["C major", "C minor", "D major", "D minor", "E-flat major", "F major", "G minor", "A major", "B-flat major"];
const TEMPO: &[&str] = &[
    "Allegro",
    "Allegro con brio",
    "Andante",
    "Andante con moto",
    "Adagio",
    "Adagio ma non troppo",
    "Scherzo. Allegro",
    "Menuetto",
    "Presto",
    "Finale. Allegro vivace",
    "Largo",
    "Rondo",
];
const ROMAN: &[&str] = &["I", "II", "III", "IV"];

/// Set by `--varied-names`. When it is off, no function below draws more
/// numbers than it did before the flag existed, so libraries made without it
/// are unchanged.
static VARIED: AtomicBool = AtomicBool::new(false);

const SYLLABLES: &[&str] = &[
    "ka", "lo", "ven", "dra", "mi", "tor", "sel", "an", "ru", "bek", "os", "tal", "ni", "gar", "el", "quin", "sha",
    "mar", "vo", "lin", "ber", "zu", "ha", "ric",
];

/// A made-up word of two or three syllables, capitalised: 24² + 24³ = 14,400 of them.
fn coined(rng: &mut Rng) -> String {
    let n = rng.range(2, 3);
    let word: String = (0..n).map(|_| rng.pick(SYLLABLES)).collect();
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// With `--varied-names`, a coined word half of the time; otherwise one from `list`.
fn word(rng: &mut Rng, list: &[&str]) -> String {
    if VARIED.load(Ordering::Relaxed) && rng.chance(0.5) { coined(rng) } else { rng.pick(list).to_string() }
}

fn person(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST), word(rng, LAST))
}

fn band(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("The {} {}s", rng.pick(ADJ), word(rng, NOUN)),
        1 => format!("{} {}", rng.pick(ADJ), word(rng, NOUN)),
        _ => person(rng),
    }
}

fn film(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("The {} {}", rng.pick(ADJ), word(rng, NOUN)),
        1 => format!("{} of the {}", rng.pick(NOUN), word(rng, NOUN)),
        2 => format!("{} {}", rng.pick(ADJ), word(rng, NOUN)),
        _ => format!("{} {}", word(rng, NOUN), rng.range(2, 4)),
    }
}

fn song(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(SONG_START), rng.pick(SONG_END))
}

fn cue(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("{} Theme", rng.pick(NOUN)),
        1 => format!("The {} {}", rng.pick(ADJ), rng.pick(NOUN)),
        _ => rng.pick(CUE).to_string(),
    }
}

/// A title not yet used on this album.
fn fresh(rng: &mut Rng, used: &mut HashSet<String>, make: fn(&mut Rng) -> String) -> String {
    let mut title = make(rng);
    for _ in 0..8 {
        if !used.contains(&title) {
            break;
        }
        title = make(rng);
    }
    let mut part = 2;
    let base = title.clone();
    while used.contains(&title) {
        title = format!("{base}, Pt. {part}");
        part += 1;
    }
    used.insert(title.clone());
    title
}

fn year(rng: &mut Rng) -> String {
    if rng.chance(0.3) {
        format!("{}-{:02}-{:02}", rng.range(1960, 2024), rng.range(1, 12), rng.range(1, 28))
    } else {
        rng.range(1960, 2024).to_string()
    }
}

// ---------------------------------------------------------------------------
// Fixtures: the formats an album can be in, with weights for how often.

struct Format {
    fixture: &'static str,
    ext: &'static str,
    weight: u32,
    /// The tag lofty writes as the file's own (its primary tag type).
    primary: TagType,
    /// Tags removed from the fixture before tagging.
    strip: &'static [TagType],
    /// Also write a RIFF INFO chunk copying the main fields (WAV).
    riff_info: bool,
    id3v23: bool,
}

const FORMATS: &[Format] = &[
    Format::new("id3v23.mp3", "mp3", 18, TagType::Id3v2).v23(),
    Format::new("id3v24.mp3", "mp3", 17, TagType::Id3v2),
    Format::new("sample.flac", "flac", 30, TagType::VorbisComments),
    Format::new("sample.m4a", "m4a", 12, TagType::Mp4Ilst).no_ilst(),
    Format::new("sample-m4a-moov-after.m4a", "m4a", 3, TagType::Mp4Ilst).no_ilst(),
    Format::new("sample.ogg", "ogg", 6, TagType::VorbisComments),
    Format::new("sample.opus", "opus", 4, TagType::VorbisComments),
    Format { riff_info: true, ..Format::new("sample.wav", "wav", 3, TagType::Id3v2) },
    Format { strip: &[TagType::AiffText], ..Format::new("sample.aiff", "aiff", 3, TagType::Id3v2) },
    Format::new("sample.wv", "wv", 4, TagType::Ape),
];

impl Format {
    const fn new(fixture: &'static str, ext: &'static str, weight: u32, primary: TagType) -> Self {
        Format { fixture, ext, weight, primary, strip: &[], riff_info: false, id3v23: false }
    }

    /// Starts from a file with no `ilst` atom. lofty 0.25.5 panics
    /// (`write_free_atom`: `size > ATOM_HEADER_LEN`) when a new `ilst` comes
    /// out exactly 8 bytes smaller than the old `ilst` plus its padding; with
    /// no `ilst` to replace, a write only ever grows `meta`.
    const fn no_ilst(self) -> Self {
        Format { strip: &[TagType::Mp4Ilst], ..self }
    }

    const fn v23(self) -> Self {
        Format { id3v23: true, ..self }
    }

    fn write_options(&self) -> WriteOptions {
        WriteOptions::new().preferred_padding(1024).use_id3v23(self.id3v23)
    }
}

/// Loads every fixture and removes the tags its format does not keep.
fn load_fixtures(dir: &Path) -> Result<Vec<Vec<u8>>> {
    FORMATS
        .iter()
        .map(|format| {
            let path = dir.join(format.fixture);
            let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut file = Cursor::new(bytes);
            for tag_type in format.strip {
                tag_type.remove_from(&mut file, format.write_options())?;
            }
            Ok(file.into_inner())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The plan: every album and track, drawn in order from the seed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Score,
    Compilation,
    Ordinary,
    Classical,
}

struct TrackPlan {
    /// Path relative to the library root.
    rel: PathBuf,
    title: String,
    artists: Vec<String>,
    composers: Vec<String>,
    number: u32,
    disc: u32,
    lyrics: bool,
}

struct AlbumPlan {
    dir: PathBuf,
    format: usize,
    kind: Kind,
    album: String,
    albumartist: Option<String>,
    genre: Vec<String>,
    date: Option<String>,
    label: Option<String>,
    conductor: Option<String>,
    releasetype: Vec<String>,
    compilation: bool,
    /// Fewest tags: title, artist, album, track number only.
    sparse: bool,
    discs: u32,
    tracks_per_disc: Vec<u32>,
    /// Size of the embedded front cover, when the album has one.
    cover: Option<usize>,
    rip_files: bool,
    /// Seed of this album's own random stream (cover bytes, side files).
    seed: u64,
    tracks: Vec<TrackPlan>,
}

/// A file or folder name: no path separators or characters Windows refuses.
fn file_name(text: &str) -> String {
    let mut out: String = text
        .replace(": ", " - ")
        .chars()
        .filter_map(|c| match c {
            '/' | '\\' | ':' | '|' => Some('-'),
            '?' | '*' | '"' | '<' | '>' => None,
            c => Some(c),
        })
        .collect();
    if out.len() > 120 {
        let mut cut = 120;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out.trim_end_matches(['.', ' ']).to_string()
}

fn plan_album(rng: &mut Rng, n_tracks: usize, used_dirs: &mut HashSet<PathBuf>) -> AlbumPlan {
    let kind = [Kind::Score, Kind::Compilation, Kind::Ordinary, Kind::Classical][rng.weighted(&[30, 20, 35, 15])];
    let format = rng.weighted(&FORMATS.iter().map(|f| f.weight).collect::<Vec<_>>());
    let discs = if n_tracks >= 10 && rng.chance(0.08) { 2 } else { 1 };
    let first_disc = (n_tracks as u32).div_ceil(discs);
    let tracks_per_disc = if discs == 2 { vec![first_disc, n_tracks as u32 - first_disc] } else { vec![first_disc] };

    let mut plan = AlbumPlan {
        dir: PathBuf::new(),
        format,
        kind,
        album: String::new(),
        albumartist: None,
        genre: Vec::new(),
        date: rng.chance(0.85).then(|| year(rng)),
        label: rng.chance(0.5).then(|| rng.pick(LABELS).to_string()),
        conductor: None,
        releasetype: Vec::new(),
        compilation: false,
        sparse: false,
        discs,
        tracks_per_disc,
        cover: rng.chance(COVER_SHARE).then(|| rng.range(COVER_BYTES.0, COVER_BYTES.1)),
        rip_files: rng.chance(0.6),
        seed: rng.next_u64(),
        tracks: Vec::with_capacity(n_tracks),
    };

    // Per-track (title, artists, composers) for this kind of album.
    let mut titles: Vec<(String, Vec<String>, Vec<String>)> = Vec::with_capacity(n_tracks);
    let mut used = HashSet::new();
    let folder_artist;
    match kind {
        Kind::Score => {
            let composer = person(rng);
            plan.album = format!("{} (Original Motion Picture Soundtrack)", film(rng));
            plan.sparse = rng.chance(0.2);
            plan.genre = vec![rng.pick(&["Soundtrack", "Soundtrack", "Score", "Film Score"]).to_string()];
            if rng.chance(0.5) {
                plan.releasetype = vec!["album".into(), "soundtrack".into()];
            }
            let orchestra = rng.chance(0.3).then(|| format!("{} Symphony Orchestra", word(rng, PLACE)));
            plan.albumartist = Some(composer.clone());
            for _ in 0..n_tracks {
                let mut artists = vec![composer.clone()];
                artists.extend(orchestra.clone());
                titles.push((fresh(rng, &mut used, cue), artists, vec![composer.clone()]));
            }
            folder_artist = composer;
        }
        Kind::Compilation => {
            plan.album = match rng.below(3) {
                0 => format!("{} (Original Motion Picture Soundtrack)", film(rng)),
                1 => format!("{} (Music from the Motion Picture)", film(rng)),
                _ => format!(
                    "{} Hits {}",
                    rng.pick(&["Summer", "Road Trip", "Party", "Chill"]),
                    year(rng)[..4].to_owned()
                ),
            };
            plan.albumartist = Some("Various Artists".into());
            plan.compilation = rng.chance(0.8);
            plan.genre = vec![rng.pick(GENRES).to_string()];
            if rng.chance(0.3) {
                plan.genre.push("Soundtrack".into());
            }
            if rng.chance(0.4) {
                plan.releasetype = vec!["compilation".into(), "soundtrack".into()];
            }
            for _ in 0..n_tracks {
                let mut artists = vec![band(rng)];
                if rng.chance(0.1) {
                    artists.push(person(rng));
                } else if rng.chance(0.1) {
                    artists[0] = format!("{} feat. {}", artists[0], person(rng));
                }
                let composers = if rng.chance(0.5) { vec![person(rng)] } else { Vec::new() };
                titles.push((fresh(rng, &mut used, song), artists, composers));
            }
            folder_artist = "Various Artists".into();
        }
        Kind::Ordinary => {
            let artist = band(rng);
            plan.album = match rng.below(3) {
                0 => format!("{} {}", rng.pick(ADJ), word(rng, NOUN)),
                1 => format!("The {}", word(rng, NOUN)),
                _ => song(rng),
            };
            plan.sparse = rng.chance(0.1);
            plan.albumartist = Some(artist.clone());
            plan.genre = vec![rng.pick(GENRES).to_string()];
            if rng.chance(0.4) {
                plan.releasetype = vec!["album".into()];
            }
            for _ in 0..n_tracks {
                let artists = if rng.chance(0.1) {
                    vec![format!("{artist} feat. {}", person(rng))]
                } else {
                    vec![artist.clone()]
                };
                titles.push((fresh(rng, &mut used, song), artists, Vec::new()));
            }
            folder_artist = artist;
        }
        Kind::Classical => {
            let composer = rng.pick(CLASSICAL).to_string();
            let orchestra = format!("{} {}", word(rng, PLACE), rng.pick(&["Philharmonic", "Symphony Orchestra"]));
            let conductor = person(rng);
            let short = composer.rsplit(' ').next().unwrap_or(&composer).to_string();
            plan.conductor = Some(conductor.clone());
            plan.albumartist = Some(orchestra.clone());
            plan.genre = vec!["Classical".into()];
            let mut first_work = None;
            while titles.len() < n_tracks {
                let work = format!(
                    "{} No. {} in {}, Op. {}",
                    rng.pick(WORK),
                    rng.range(1, 9),
                    rng.pick(KEYS),
                    rng.range(7, 120)
                );
                first_work.get_or_insert_with(|| work.clone());
                let movements = rng.range(3, 4).min(n_tracks - titles.len());
                for roman in &ROMAN[..movements] {
                    let title = format!("{work}: {roman}. {}", rng.pick(TEMPO));
                    titles.push((title, vec![orchestra.clone(), conductor.clone()], vec![composer.clone()]));
                }
            }
            let work = first_work.expect("at least one work");
            plan.album = format!("{short}: {}", work.split(" in ").next().unwrap_or(&work));
            folder_artist = orchestra;
        }
    }

    let mut dir = PathBuf::from(file_name(&folder_artist)).join(file_name(&plan.album));
    let mut n = 2;
    while !used_dirs.insert(dir.clone()) {
        dir = PathBuf::from(file_name(&folder_artist)).join(format!("{} ({n})", file_name(&plan.album)));
        n += 1;
    }
    plan.dir = dir;

    let ext = FORMATS[format].ext;
    let mut titles = titles.into_iter();
    for (disc_index, &count) in plan.tracks_per_disc.iter().enumerate() {
        let disc = disc_index as u32 + 1;
        let folder = if discs > 1 { plan.dir.join(format!("CD{disc}")) } else { plan.dir.clone() };
        for number in 1..=count {
            let (title, artists, composers) = titles.next().expect("one title per track");
            let name = format!("{number:02} {}.{ext}", file_name(&title));
            let lyrics = matches!(kind, Kind::Compilation | Kind::Ordinary) && rng.chance(0.1);
            plan.tracks.push(TrackPlan { rel: folder.join(name), title, artists, composers, number, disc, lyrics });
        }
    }
    plan
}

fn plan_library(n_files: usize, seed: u64) -> Vec<AlbumPlan> {
    let mut rng = Rng::new(seed);
    let mut used_dirs = HashSet::new();
    let mut albums = Vec::new();
    let mut left = n_files;
    while left > 0 {
        let n_tracks = rng.range(8, 16).min(left);
        albums.push(plan_album(&mut rng, n_tracks, &mut used_dirs));
        left -= n_tracks;
    }
    albums
}

// ---------------------------------------------------------------------------
// Writing.

/// Random bytes that look like a baseline JPEG to anything that reads only the
/// header: SOI, JFIF APP0, a quantisation table, SOF0 with the size, SOS, then
/// byte-stuffed "entropy-coded" noise and EOI.
fn fake_jpeg(rng: &mut Rng, size: usize) -> Vec<u8> {
    let side: u16 = [500, 600, 1000, 1200, 1400][rng.below(5)];
    let [hi, lo] = side.to_be_bytes();
    let mut out = Vec::with_capacity(size + 8);
    out.extend_from_slice(&[0xFF, 0xD8]);
    out.extend_from_slice(&[0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 72, 0, 72, 0, 0]);
    out.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    out.extend((1..=64u8).map(|i| i / 4 + 2));
    out.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8, hi, lo, hi, lo, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    out.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
    let body = size.saturating_sub(out.len() + 2);
    let mut noise = vec![0u8; body];
    rng.fill(&mut noise);
    // Stuff a zero after every 0xFF so the noise holds no markers.
    for pair in noise.chunks_exact_mut(2) {
        if pair[0] == 0xFF {
            pair[1] = 0;
        }
    }
    if noise.last() == Some(&0xFF) {
        noise.pop();
    }
    out.extend_from_slice(&noise);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

fn push_text(tag: &mut Tag, key: ItemKey, value: &str) {
    tag.push(TagItem::new(key, ItemValue::Text(value.to_string())));
}

/// Several values: one item each, except in APE and RIFF INFO, which keep one
/// value per key, where they are joined with "; " as taggers do.
fn push_list(tag: &mut Tag, key: ItemKey, values: &[String]) {
    if matches!(tag.tag_type(), TagType::Ape | TagType::RiffInfo) && !values.is_empty() {
        push_text(tag, key, &values.join("; "));
    } else {
        values.iter().for_each(|value| push_text(tag, key, value));
    }
}

fn tag_for(tag_type: TagType, album: &AlbumPlan, track: &TrackPlan, cover: Option<&Picture>) -> Tag {
    let mut tag = Tag::new(tag_type);
    let t = &mut tag;
    push_text(t, ItemKey::TrackTitle, &track.title);
    push_list(t, ItemKey::TrackArtist, &track.artists);
    push_text(t, ItemKey::AlbumTitle, &album.album);
    push_text(t, ItemKey::TrackNumber, &track.number.to_string());
    if !album.sparse {
        push_text(t, ItemKey::TrackTotal, &album.tracks_per_disc[track.disc as usize - 1].to_string());
        if let Some(albumartist) = &album.albumartist {
            push_text(t, ItemKey::AlbumArtist, albumartist);
        }
        push_list(t, ItemKey::Composer, &track.composers);
        push_list(t, ItemKey::Genre, &album.genre);
        if let Some(date) = &album.date {
            push_text(t, ItemKey::RecordingDate, date);
        }
        if let Some(label) = &album.label {
            push_text(t, ItemKey::Label, label);
        }
        if let Some(conductor) = &album.conductor {
            push_text(t, ItemKey::Conductor, conductor);
        }
        push_list(t, ItemKey::MusicBrainzReleaseType, &album.releasetype);
        if album.compilation {
            push_text(t, ItemKey::FlagCompilation, "1");
        }
        if album.discs > 1 || album.kind == Kind::Compilation {
            push_text(t, ItemKey::DiscNumber, &track.disc.to_string());
            push_text(t, ItemKey::DiscTotal, &album.discs.to_string());
        }
        if track.lyrics {
            let lyrics = format!("{}\n{}\n", track.title, "la la la, oh oh\n".repeat(12)).repeat(3);
            let key = if tag_type == TagType::Id3v2 { ItemKey::UnsyncLyrics } else { ItemKey::Lyrics };
            push_text(t, key, &lyrics);
        }
    }
    if let Some(picture) = cover {
        tag.push_picture(picture.clone());
    }
    tag
}

/// Writes one album: its tracks and its side files. Returns (files, bytes).
fn write_album(out: &Path, album: &AlbumPlan, fixtures: &[Vec<u8>]) -> Result<(usize, u64)> {
    let mut rng = Rng::new(album.seed);
    let format = &FORMATS[album.format];
    let options = format.write_options();
    let cover = album.cover.map(|size| {
        Picture::unchecked(fake_jpeg(&mut rng, size))
            .pic_type(PictureType::CoverFront)
            .mime_type(MimeType::Jpeg)
            .build()
    });
    for disc in 1..=album.discs {
        let folder = if album.discs > 1 { album.dir.join(format!("CD{disc}")) } else { album.dir.clone() };
        fs::create_dir_all(out.join(folder))?;
    }

    let mut bytes = 0u64;
    for track in &album.tracks {
        let path = out.join(&track.rel);
        let failed = |e: lofty::error::FileEncodingError| {
            let cause = e.source().map(|s| format!(": {s}")).unwrap_or_default();
            format!("{}: {e}{cause}", path.display())
        };
        let mut file = Cursor::new(fixtures[album.format].clone());
        let tag = tag_for(format.primary, album, track, cover.as_ref());
        if format.primary == TagType::Ape {
            // Saving a generic `Tag` as APE drops its pictures; lofty's ApeTag keeps them.
            ApeTag::from(tag).save_to(&mut file, options).map_err(failed)?;
        } else {
            tag.save_to(&mut file, options).map_err(failed)?;
        }
        if format.riff_info {
            // lofty detects the format from the current position.
            file.set_position(0);
            tag_for(TagType::RiffInfo, album, track, None).save_to(&mut file, options).map_err(failed)?;
        }
        let data = file.into_inner();
        bytes += data.len() as u64;
        fs::write(&path, data).map_err(|e| format!("{}: {e}", path.display()))?;
    }

    // Side files a scanner must pass over.
    let mut files = album.tracks.len();
    let folder_jpg = match &cover {
        Some(picture) => picture.data().to_vec(),
        None => {
            let size = rng.range(8 * 1024, 40 * 1024);
            fake_jpeg(&mut rng, size)
        }
    };
    bytes += folder_jpg.len() as u64;
    fs::write(out.join(&album.dir).join("cover.jpg"), folder_jpg)?;
    files += 1;
    if album.rip_files {
        for disc in 1..=album.discs {
            let folder = if album.discs > 1 { album.dir.join(format!("CD{disc}")) } else { album.dir.clone() };
            let stem = file_name(&album.album);
            let performer = album.albumartist.as_deref().unwrap_or("Unknown Artist");
            let mut cue = format!(
                "REM GENRE \"{}\"\r\nPERFORMER \"{performer}\"\r\nTITLE \"{}\"\r\n",
                album.genre.join("; "),
                album.album
            );
            let mut log = format!(
                "Exact Audio Copy V1.6 from 23. October 2020\r\n\r\nEAC extraction logfile (synthetic, reeltag benchmark)\r\n\r\n{performer} / {}\r\n\r\n",
                album.album
            );
            for track in album.tracks.iter().filter(|t| t.disc == disc) {
                let name = track.rel.file_name().unwrap_or_default().to_string_lossy();
                cue.push_str(&format!(
                    "FILE \"{name}\" WAVE\r\n  TRACK {:02} AUDIO\r\n    TITLE \"{}\"\r\n    INDEX 01 00:00:00\r\n",
                    track.number, track.title
                ));
                log.push_str(&format!(
                    "Track {:2}\r\n\r\n     Filename {name}\r\n\r\n     Peak level {}.{} %\r\n     Copy CRC {:08X}\r\n     Copy OK\r\n\r\n",
                    track.number,
                    rng.range(60, 100),
                    rng.below(10),
                    rng.next_u64() as u32
                ));
            }
            log.push_str("No errors occurred\r\n\r\nEnd of status report\r\n");
            bytes += (cue.len() + log.len()) as u64;
            fs::write(out.join(&folder).join(format!("{stem}.cue")), cue)?;
            fs::write(out.join(&folder).join(format!("{stem}.log")), log)?;
            files += 2;
        }
    }
    Ok((files, bytes))
}

fn parse_args() -> Result<(PathBuf, usize, u64)> {
    let mut positional = Vec::new();
    let mut seed = DEFAULT_SEED;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = args.next().ok_or(USAGE)?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--varied-names" => VARIED.store(true, Ordering::Relaxed),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => positional.push(arg),
        }
    }
    let [out, n]: [String; 2] = positional.try_into().map_err(|_| USAGE)?;
    let n: usize = n.parse().map_err(|e| format!("N_FILES: {e}"))?;
    Ok((PathBuf::from(out), n, seed))
}

fn run() -> Result<()> {
    let started = Instant::now();
    let (out, n_files, seed) = parse_args()?;
    if out.exists() && fs::read_dir(&out)?.next().is_some() {
        return Err(format!("{} exists and is not empty; remove it first", out.display()).into());
    }
    let fixtures = load_fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats"))?;
    let albums = plan_library(n_files, seed);
    fs::create_dir_all(&out)?;
    let written: Vec<(usize, u64)> =
        albums.par_iter().map(|album| write_album(&out, album, &fixtures)).collect::<Result<_>>()?;

    let all_files: usize = written.iter().map(|w| w.0).sum();
    let bytes: u64 = written.iter().map(|w| w.1).sum();
    let with_cover: usize = albums.iter().filter(|a| a.cover.is_some()).map(|a| a.tracks.len()).sum();
    let kinds = [Kind::Score, Kind::Compilation, Kind::Ordinary, Kind::Classical]
        .map(|k| format!("{k:?} {}", albums.iter().filter(|a| a.kind == k).count()));
    let artists: HashSet<&str> = albums
        .iter()
        .flat_map(|a| a.tracks.iter().flat_map(|t| t.artists.iter().chain(&t.composers)))
        .map(String::as_str)
        .collect();
    let titles: HashSet<&str> = albums.iter().map(|a| a.album.as_str()).collect();
    println!(
        "gen_library: {n_files} audio files in {} albums ({}), {with_cover} with an embedded cover, \
         {} other files, {:.0} MB, {} distinct artist and composer names, {} distinct album titles, \
         seed {seed}{}, in {:.1} s",
        albums.len(),
        kinds.join(", "),
        all_files - n_files,
        bytes as f64 / 1e6,
        artists.len(),
        titles.len(),
        if VARIED.load(Ordering::Relaxed) { ", varied names" } else { "" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gen_library: {err}");
            ExitCode::from(2)
        }
    }
}
