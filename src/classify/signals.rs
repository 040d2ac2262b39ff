//! The signals: album-level evidence computed once per album, then each
//! track's own evidence against the album's lead composer(s).

use std::collections::BTreeMap;
use std::rc::Rc;

use super::text::{self, Cue};
use super::{Axis, Scope, Signal};
use crate::rules::Rules;
use crate::track::Track;

/// What a track contributes, precomputed once: normalized names and title.
#[derive(Debug, Clone)]
struct TrackView<'t> {
    title: &'t str,
    /// Shared between the tracks with the same credits.
    artists: Rc<[String]>,
    composers: Rc<[String]>,
    lyrics: bool,
    /// Title shapes, computed once: every signal below reads them.
    cue: Option<Cue>,
    song_shaped: bool,
    classical: bool,
    /// A concert work by catalogue number or movement (stricter than `classical`).
    catalogued: bool,
    featuring: bool,
    dialogue: bool,
}

/// Credit lists already split into names, per album: most tracks of an
/// album repeat the same artist and composer credits, so they share one copy.
#[derive(Default)]
struct NameCache<'t> {
    split: Vec<(&'t [String], Rc<[String]>)>,
    /// The entry found last: the next track most often has the same credits.
    last: usize,
}

impl<'t> NameCache<'t> {
    fn split_all(&mut self, list: &'t [String]) -> Rc<[String]> {
        let known = match self.split.get(self.last).filter(|(l, _)| *l == list) {
            Some(_) => self.last,
            None => match self.split.iter().position(|(l, _)| *l == list) {
                Some(at) => at,
                None => {
                    let mut names: Vec<String> = list.iter().flat_map(|credit| text::split_names(credit)).collect();
                    names.dedup();
                    self.split.push((list, names.into()));
                    self.split.len() - 1
                }
            },
        };
        self.last = known;
        Rc::clone(&self.split[known].1)
    }
}

impl<'t> TrackView<'t> {
    fn new(track: &'t Track, names: &mut NameCache<'t>) -> Self {
        let title = track.tags.title.as_deref().unwrap_or_default();
        let title_words = text::words(title);
        let tokens = text::tokens(&title_words);
        let classical = text::is_classical_title_in(title, &tokens);
        TrackView {
            cue: text::cue_in(&tokens),
            song_shaped: text::is_song_shaped_in(&tokens),
            classical,
            catalogued: classical && text::is_catalogued_work_in(title, &tokens),
            featuring: text::has_featuring_in(&tokens),
            dialogue: text::is_dialogue_in(&tokens),
            title,
            artists: names.split_all(&track.tags.artist),
            composers: names.split_all(&track.tags.composer),
            lyrics: track.tags.lyrics,
        }
    }
}

/// Album-level evidence and context for the track signals.
#[derive(Debug, Clone)]
pub struct AlbumSignals<'t> {
    pub signals: Vec<Signal>,
    /// The album's score composer(s) or main performer, lowercase.
    pub leads: Vec<String>,
    /// The album itself says it is a soundtrack (title, releasetype, genre).
    pub says_soundtrack: bool,
    views: Vec<TrackView<'t>>,
    /// What the compilation signs add up to so far (see `push_compilation`).
    compilation: f32,
    /// The base titles ([`text::base_title`]) of the tracks with lyrics.
    sung_titles: Vec<String>,
}

/// The most all signs of a compilation together weigh against score.
const COMPILATION_FLOOR: f32 = -3.0;

impl AlbumSignals<'_> {
    pub fn sum(&self, axis: Axis) -> f32 {
        self.signals.iter().filter(|s| s.axis == axis).map(|s| s.weight).sum()
    }

    fn push(&mut self, axis: Axis, name: &'static str, value: impl Into<String>, weight: f32) {
        self.signals.push(Signal::new(Scope::Album, axis, name, value.into(), weight));
    }

    /// Pushes one sign that the album compiles many artists' songs. The
    /// releasetype, the compilation flag, "Various Artists" and a crowd of
    /// artists mostly say the same thing: together they count at most
    /// [`COMPILATION_FLOOR`], so a full MusicBrainz tag does not bury the
    /// composer's cues on a song compilation four times over.
    fn push_compilation(&mut self, name: &'static str, value: String, weight: f32) {
        let counted = weight.max(COMPILATION_FLOOR - self.compilation);
        self.compilation += counted;
        let value = if counted == weight { value } else { format!("{value}; compilation counted at most once") };
        self.push(Axis::Score, name, value, counted);
    }
}

/// The value most tracks carry (ties: the first in sort order).
fn majority<'a>(values: impl Iterator<Item = &'a str>) -> Option<(&'a str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
}

pub fn album_signals<'t>(tracks: &[&'t Track], rules: &Rules) -> AlbumSignals<'t> {
    let mut names = NameCache::default();
    let views: Vec<TrackView> = tracks.iter().map(|t| TrackView::new(t, &mut names)).collect();
    let n = tracks.len().max(1);
    let mut album = AlbumSignals {
        signals: Vec::new(),
        leads: Vec::new(),
        says_soundtrack: false,
        compilation: 0.0,
        sung_titles: views.iter().filter(|v| v.lyrics).map(|v| text::base_title(v.title)).collect(),
        views,
    };

    let title = majority(tracks.iter().filter_map(|t| t.tags.album.as_deref())).map(|(t, _)| t);
    let albumartist = majority(tracks.iter().filter_map(|t| t.tags.albumartist.as_deref())).map(|(t, _)| t);
    title_signals(&mut album, title, rules);
    releasetype_signals(&mut album, tracks, albumartist);
    genre_signals(&mut album, tracks);
    folder_signals(&mut album, tracks);

    let compilations = tracks.iter().filter(|t| t.tags.compilation == Some(true)).count();
    if compilations * 2 > n {
        album.push_compilation("compilation flag", "set".into(), -1.5);
    }
    if albumartist.is_some_and(text::is_various) {
        album.push_compilation("album artist", albumartist.unwrap_or_default().into(), -1.0);
    }

    cue_and_classical_signals(&mut album, n);
    lead_signals(&mut album, albumartist, rules, n);
    album
}

fn title_signals(album: &mut AlbumSignals, title: Option<&str>, rules: &Rules) {
    let Some(title) = title else { return };
    let words = text::words(title);
    let user = |list: &[String]| text::find_phrase(&words, list.iter().map(String::as_str)).map(str::to_owned);
    let builtin = |list: &'static [&'static str]| text::find_phrase(&words, list.iter().copied()).map(str::to_owned);
    if let Some(p) = user(&rules.score_phrases).or_else(|| builtin(text::SCORE_PHRASES)) {
        album.says_soundtrack = true;
        album.push(Axis::Soundtrack, "album title", format!("\"{p}\""), 3.0);
        album.push(Axis::Score, "album title", format!("\"{p}\""), 2.5);
    } else if let Some(p) = user(&rules.soundtrack_phrases).or_else(|| builtin(text::SOUNDTRACK_PHRASES)) {
        album.says_soundtrack = true;
        album.push(Axis::Soundtrack, "album title", format!("\"{p}\""), 3.0);
    }
    if let Some(p) = user(&rules.song_phrases).or_else(|| builtin(text::SONG_PHRASES)) {
        album.push(Axis::Score, "album title", format!("\"{p}\""), -1.5);
    }
}

/// MusicBrainz convention: soundtrack + compilation (or Various Artists)
/// means licensed songs; a soundtrack credited to one artist means score.
fn releasetype_signals(album: &mut AlbumSignals, tracks: &[&Track], albumartist: Option<&str>) {
    let has =
        |kind: &str| tracks.iter().any(|t| t.tags.releasetype.iter().any(|r| r.trim().eq_ignore_ascii_case(kind)));
    if !has("soundtrack") {
        return;
    }
    album.says_soundtrack = true;
    album.push(Axis::Soundtrack, "releasetype", "soundtrack", 4.0);
    let various = albumartist.is_some_and(text::is_various);
    if has("compilation") {
        album.push_compilation("releasetype", "soundtrack + compilation".into(), -2.0);
    } else if let Some(artist) = albumartist.filter(|_| !various) {
        album.push(Axis::Score, "releasetype", format!("soundtrack by one artist ({artist})"), 1.0);
    }
}

fn genre_signals(album: &mut AlbumSignals, tracks: &[&Track]) {
    // Each distinct tag normalized once; the counts add up per normalized genre.
    let mut raw: BTreeMap<&str, usize> = BTreeMap::new();
    for genre in tracks.iter().flat_map(|t| t.tags.genre.iter()) {
        *raw.entry(genre).or_default() += 1;
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (genre, n) in raw {
        *counts.entry(text::words(genre).trim().to_string()).or_default() += n;
    }
    // Every genre most tracks carry counts, not only the commonest: a release
    // tagged "Soundtrack; Blues" is a soundtrack whichever of the two sorts first.
    let common = |names: &[&str]| {
        counts.iter().find(|(genre, n)| **n * 2 >= tracks.len() && names.contains(&genre.as_str())).map(|(g, _)| g)
    };
    if let Some(genre) = common(text::SCORE_GENRES) {
        album.says_soundtrack = true;
        album.push(Axis::Soundtrack, "genre", genre, 2.5);
        album.push(Axis::Score, "genre", genre, 1.0);
    } else if let Some(genre) = common(text::SOUNDTRACK_GENRES) {
        album.says_soundtrack = true;
        album.push(Axis::Soundtrack, "genre", genre, 2.5);
    }
}

/// Libraries often keep soundtracks under a "Soundtracks" or "OST" folder.
fn folder_signals(album: &mut AlbumSignals, tracks: &[&Track]) {
    let Some(dir) = tracks.first().and_then(|t| t.path.parent()) else { return };
    for component in dir.components().rev().take(4) {
        let name = component.as_os_str().to_string_lossy();
        let words = text::words(&name);
        if text::SOUNDTRACK_FOLDERS.contains(&words.trim())
            || text::find_phrase(&words, ["soundtrack", "ost", "original score"]).is_some()
        {
            album.push(Axis::Soundtrack, "folder", name.into_owned(), 2.0);
            return;
        }
    }
}

fn cue_and_classical_signals(album: &mut AlbumSignals, n: usize) {
    let strong = album.views.iter().filter(|v| matches!(v.cue, Some(Cue::Strong(_)))).count();
    if strong > 0 {
        // The smallest title, not the first, so the reason does not depend on file order.
        let example = album
            .views
            .iter()
            .filter(|v| matches!(v.cue, Some(Cue::Strong(_))))
            .map(|v| v.title)
            .min()
            .unwrap_or_default();
        let value = format!("{strong} cue title(s), e.g. \"{example}\"");
        album.push(Axis::Soundtrack, "film cues", value, 1.5);
    }
    let classical = album.views.iter().filter(|v| v.classical).count();
    if classical * 5 >= n * 2 && classical >= 1 {
        let value = format!("{classical} of {n} titles are concert works");
        if album.says_soundtrack {
            // Pre-existing concert music on a soundtrack is licensed, not score.
            album.push(Axis::Score, "classical works", value, -2.0);
        } else {
            album.push(Axis::Soundtrack, "classical works", value, -4.0);
        }
    }
    let song_titles = album.views.iter().filter(|v| v.song_shaped).count();
    if n >= 4 && song_titles * 5 >= n * 2 {
        album.push(Axis::Score, "song-like titles", format!("{song_titles} of {n} titles"), -1.0);
    }
    let distinct: std::collections::BTreeSet<&str> =
        album.views.iter().filter_map(|v| v.artists.first().map(String::as_str)).collect();
    if n >= 4 && distinct.len() * 5 >= n * 3 {
        album.push_compilation("many artists", format!("{} artists on {n} tracks", distinct.len()), -1.5);
    } else if n >= 3 && distinct.len() == 1 {
        let artist = distinct.iter().next().copied().unwrap_or_default();
        album.push(Axis::Score, "one artist", artist.to_string(), 1.5);
    }
}

/// Finds the album's lead composer(s): user-named composers, the album artist
/// when it composed or performs most tracks, composers who perform their own
/// music, or failing those the one performer of most tracks.
fn lead_signals(album: &mut AlbumSignals, albumartist: Option<&str>, rules: &Rules, n: usize) {
    // Taken out so the counts can borrow the names while signals are pushed.
    let views = std::mem::take(&mut album.views);
    let mut as_artist: BTreeMap<&str, usize> = BTreeMap::new();
    let mut as_composer: BTreeMap<&str, usize> = BTreeMap::new();
    let mut self_performed: BTreeMap<&str, usize> = BTreeMap::new();
    for view in &views {
        for a in view.artists.iter() {
            *as_artist.entry(a).or_default() += 1;
            if view.composers.contains(a) {
                *self_performed.entry(a).or_default() += 1;
            }
        }
        for c in view.composers.iter() {
            *as_composer.entry(c).or_default() += 1;
        }
    }
    // A performer (not a composer) leads only a majority of tracks that do not
    // read like songs: a singer on half a soundtrack album is not its composer.
    let song_shaped = |name: &str| {
        let theirs: Vec<&TrackView> = views.iter().filter(|v| v.artists.iter().any(|a| a == name)).collect();
        let shaped = theirs.iter().filter(|v| v.song_shaped).count();
        shaped * 2 >= theirs.len().max(1)
    };
    let mut leads: Vec<String> = Vec::new();
    let mut why: Vec<String> = Vec::new();
    for name in as_artist.keys().chain(as_composer.keys()) {
        if rules.composers.iter().any(|c| c == name) && !leads.iter().any(|l| l == name) {
            leads.push(name.to_string());
            why.push(format!("{name} (user list)"));
        }
    }
    for name in albumartist.filter(|a| !text::is_various(a)).map(text::split_names).unwrap_or_default() {
        let composed = as_composer.get(name.as_str()).copied().unwrap_or(0);
        let performed = as_artist.get(name.as_str()).copied().unwrap_or(0);
        let leads_as_performer = performed * 2 > n && !song_shaped(&name);
        if (composed * 2 >= n || leads_as_performer) && !leads.contains(&name) {
            if composed * 2 >= n {
                album.push(Axis::Score, "album artist composed most tracks", name.clone(), 1.5);
            }
            why.push(format!("{name} (album artist)"));
            leads.push(name);
        }
    }
    if let Some(&top) = self_performed.values().max() {
        let mut candidates: Vec<(&str, usize)> = self_performed
            .iter()
            .filter(|(name, count)| {
                **count * 10 >= top * 7 && (top >= 2 || n <= 3) && !leads.iter().any(|l| l == *name)
            })
            .map(|(name, count)| (*name, *count))
            .collect();
        // Singer-songwriters perform their own music too: when some of the
        // candidates have the film's cue titles, they are its composers.
        let has_cue = |name: &str| views.iter().any(|v| v.artists.iter().any(|a| a == name) && is_score_cue(v.cue));
        if candidates.iter().any(|(name, _)| has_cue(name)) {
            candidates.retain(|(name, _)| has_cue(name));
        }
        for (name, count) in candidates {
            leads.push(name.to_string());
            why.push(format!("{name} (performs own music on {count} tracks)"));
        }
    }
    // An album credited to Various Artists has no lead performer; only a
    // composer (found above) can lead it.
    if leads.is_empty() && !albumartist.is_some_and(text::is_various) {
        let mut ranked: Vec<(&str, usize)> = as_artist.iter().map(|(k, v)| (*k, *v)).collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
        let unique_top = ranked.get(1).is_none_or(|second| second.1 < ranked[0].1);
        if let Some(&(name, count)) = ranked.first()
            && unique_top
            && count >= 2
            && count * 2 > n
            && !text::is_various(name)
            && !song_shaped(name)
        {
            leads.push(name.to_string());
            why.push(format!("{name} (performs {count} of {n} tracks)"));
        }
    }
    // A soundtrack no one leads is a song compilation, but it often carries
    // the film composer's own cues ("Main Title Theme", "Dana's Theme",
    // "Forrest Gump Suite"): the artist of such a title leads. Two at most:
    // more are songs named "Theme from ..." on a compilation of hits.
    if leads.is_empty() && album.says_soundtrack {
        let cue_artists: Vec<(&str, &str)> = as_artist
            .keys()
            .filter(|name| !text::is_various(name) && !song_shaped(name))
            .filter_map(|name| {
                // The smallest such title, so the reason does not depend on track order.
                let theirs = views.iter().filter(|v| v.artists.iter().any(|a| a == name));
                theirs.filter(|v| is_score_cue(v.cue)).map(|v| v.title).min().map(|title| (*name, title))
            })
            .collect();
        if (1..=2).contains(&cue_artists.len()) {
            for (name, title) in cue_artists {
                leads.push(name.to_string());
                why.push(format!("{name} (the film's cue \"{title}\")"));
            }
        }
    }
    let distinct_artists = as_artist.keys().filter(|a| !text::is_various(a)).count();
    if leads.is_empty() && distinct_artists >= 3 {
        album.push(Axis::Score, "no lead", format!("{distinct_artists} artists, none leads the album"), -1.0);
    }
    if !why.is_empty() {
        album.signals.push(Signal::new(Scope::Album, Axis::Score, "lead", why.join(", "), 0.0));
    }
    album.leads = leads;
    album.views = views;
}

/// A title only a score cue carries: a strong cue shape, or a theme, suite or
/// overture (not "Intro" or "Reprise", which song albums use too).
fn is_score_cue(cue: Option<Cue>) -> bool {
    matches!(cue, Some(Cue::Strong(_)) | Some(Cue::Weak("theme" | "suite" | "overture")))
}

/// One track's own evidence on the score/song axis.
pub fn track_signals(album: &AlbumSignals, index: usize, _track: &Track) -> Vec<Signal> {
    let view = &album.views[index];
    let mut out = Vec::new();
    let mut push = |name: &'static str, value: String, weight: f32| {
        out.push(Signal::new(Scope::Track, Axis::Score, name, value, weight))
    };

    let lead_artist = view.artists.iter().find(|a| album.leads.contains(a));
    // Looked up only when no lead performs: most score tracks stop at the lead.
    let ensemble = || view.artists.iter().find(|a| text::is_ensemble(&text::words(a)));
    if let Some(artist) = lead_artist {
        push("artist is the album's lead", artist.clone(), 3.0);
    } else if let Some(ensemble) = ensemble() {
        push("artist is an ensemble", ensemble.clone(), 1.5);
    } else if !album.leads.is_empty() && !view.artists.is_empty() {
        push("artist is not the album's lead", view.artists.join(", "), -3.0);
    }
    if !view.composers.is_empty() && lead_artist.is_none() {
        let lead_composed = view.composers.iter().any(|c| album.leads.contains(c));
        let self_performed = view.artists.iter().any(|a| view.composers.contains(a));
        if !lead_composed && !album.leads.is_empty() && !self_performed {
            push("composed by someone else", view.composers.join(", "), -1.0);
        }
    }
    if view.featuring {
        push("title credits a guest", "feat.".into(), -2.0);
    }
    if text::from_quote(view.title) {
        push("title names another film", view.title.to_string(), -2.0);
    }
    if view.dialogue {
        push("dialogue", view.title.to_string(), -3.0);
    }
    match view.cue {
        Some(Cue::Strong(p)) => push("cue title", p.to_string(), 1.5),
        Some(Cue::Weak(p)) => push("cue-like title", p.to_string(), 0.5),
        None => {}
    }
    // A catalogued concert work (a Mozart concerto on Out of Africa) inside a
    // soundtrack is pre-existing music, licensed like a song, whoever performs
    // it: it decides, as lyrics do below.
    if view.catalogued {
        let weight = decisive_for_song(album, &out);
        out.push(Signal::new(Scope::Track, Axis::Score, "concert work", view.title.to_string(), weight));
    }
    // Another version of a sung song on the album ("City of Stars (Humming)",
    // an interlude of "Scarborough Fair") is that song, not the score.
    if !view.lyrics && !album.sung_titles.is_empty() {
        let base = text::base_title(view.title);
        if !base.is_empty() && album.sung_titles.contains(&base) {
            let weight = decisive_for_song(album, &out);
            out.push(Signal::new(Scope::Track, Axis::Score, "version of a sung song", base, weight));
        }
    }
    // Lyrics decide: a sung song is a song even when the film's composer wrote
    // and performs it (wordless choirs carry no lyrics). The weight outbids
    // whatever the rest of the evidence sums to, and leaves the usual margin.
    if view.lyrics {
        let weight = decisive_for_song(album, &out);
        out.push(Signal::new(Scope::Track, Axis::Score, "lyrics", "present".into(), weight));
    }
    out
}

/// The weight that outbids whatever the evidence so far sums to and leaves
/// the usual margin: for signs that decide `song` on their own.
fn decisive_for_song(album: &AlbumSignals, own: &[Signal]) -> f32 {
    let rest = album.sum(Axis::Score) + own.iter().map(|s| s.weight).sum::<f32>();
    -(rest.max(0.0) + 2.0)
}
