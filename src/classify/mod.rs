//! Stage 4: decide each track's role from its whole album.
//!
//! Two questions, each answered by adding up weighted signals:
//! 1. Is this album soundtrack music at all? (album title phrases,
//!    releasetype, genre, folder names, film-cue titles; classical concert
//!    works and an absence of evidence pull towards `none`)
//! 2. For a soundtrack album, is each track the composer's score or a song?
//!    (the album's lead composer(s) against each track's artist and composer,
//!    compilation signs, lyrics, "feat.", cue-like titles)
//!
//! Every signal that fires is kept with its weight, so a decision can always
//! say why. Pure functions over plain data: no I/O.

mod phrases;
mod signals;
pub mod text;

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::rules::{RuleSubject, Rules};
use crate::track::Track;

pub use signals::{AlbumSignals, album_signals, track_signals};

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Score,
    Song,
    None,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Score => "score",
            Role::Song => "song",
            Role::None => "none",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which question a signal answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Positive: soundtrack music; negative: not.
    Soundtrack,
    /// Positive: the composer's score; negative: a song.
    Score,
}

/// Whether a signal is about the whole album or one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Album,
    Track,
}

/// One piece of evidence that fired, with its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub scope: Scope,
    pub axis: Axis,
    /// Short name of the signal: "album title", "track artist is lead composer".
    pub name: &'static str,
    /// The value that made it fire.
    pub value: String,
    pub weight: f32,
    /// "name: value (direction ±weight)", as reports print it.
    text: String,
}

impl Signal {
    /// A signal with its report text formatted once: album signals are shared
    /// by every track, and reports print them for each.
    pub fn new(scope: Scope, axis: Axis, name: &'static str, value: String, weight: f32) -> Signal {
        let direction = match (axis, weight >= 0.0) {
            (Axis::Soundtrack, true) => "soundtrack",
            (Axis::Soundtrack, false) => "not soundtrack",
            (Axis::Score, true) => "score",
            (Axis::Score, false) => "song",
        };
        let mut text = String::with_capacity(name.len() + value.len() + direction.len() + 12);
        for part in [name, ": ", &value, " (", direction, " "] {
            text.push_str(part);
        }
        push_weight(&mut text, weight);
        text.push(')');
        Signal { scope, axis, name, value, weight, text }
    }
}

/// Appends `weight` as `{:+.1}` would. Weights are a few tenths, and the
/// general float formatter costs more than the rest of a signal.
fn push_weight(out: &mut String, weight: f32) {
    let tenths = (weight * 10.0).round();
    // Exact only when the weight is the float nearest a small number of tenths.
    if tenths.abs() < 1000.0 && tenths / 10.0 == weight && !(weight == 0.0 && weight.is_sign_negative()) {
        let tenths = tenths as i32;
        out.push(if tenths < 0 { '-' } else { '+' });
        let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
        let digit = |d: u32| char::from_digit(d, 10).unwrap_or('0');
        if whole >= 10 {
            out.push(digit(whole / 10));
        }
        out.extend([digit(whole % 10), '.', digit(tenth)]);
    } else {
        let _ = write!(out, "{weight:+.1}");
    }
}

impl Signal {
    /// A signal known only by its report text, as the state store keeps it.
    /// It counts on the soundtrack axis so a `none` decision still prints it.
    fn from_text(text: String) -> Signal {
        Signal { scope: Scope::Track, axis: Axis::Soundtrack, name: "stored", value: String::new(), weight: 0.0, text }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The role of one track, how sure, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub role: Role,
    /// 0 to 1.
    pub confidence: f64,
    /// The album's signals, shared by all its tracks (one allocation per album);
    /// in a decision restored from the state file, its reasons.
    pub album_signals: Arc<[Signal]>,
    /// This track's own signals.
    pub track_signals: Vec<Signal>,
    /// Set when a user rule decided the role.
    pub rule: Option<String>,
}

/// One reason, printed on demand so reports need not build strings first.
#[derive(Debug, Clone, Copy)]
pub enum Reason<'a> {
    Rule(&'a str),
    Signal(&'a Signal),
    NoEvidence,
}

const NO_EVIDENCE: &str = "no soundtrack evidence (album title, releasetype, genre, folder, cue titles)";

impl<'a> Reason<'a> {
    /// The reason as reports print it; borrowed but for a user rule's.
    pub fn text(&self) -> Cow<'a, str> {
        match *self {
            Reason::Rule(rule) => Cow::Owned(format!("user {rule}")),
            Reason::Signal(signal) => Cow::Borrowed(&signal.text),
            Reason::NoEvidence => Cow::Borrowed(NO_EVIDENCE),
        }
    }
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Decision {
    /// Every signal that fired, album-level first.
    pub fn signals(&self) -> impl Iterator<Item = &Signal> {
        self.album_signals.iter().chain(&self.track_signals)
    }

    /// Short reasons for reports: the rule if one decided, else each signal
    /// that bears on the role (for `none`, only the soundtrack question does).
    pub fn reason_items(&self) -> Vec<Reason<'_>> {
        if let Some(rule) = &self.rule {
            return vec![Reason::Rule(rule)];
        }
        let relevant = |s: &&Signal| self.role != Role::None || s.axis == Axis::Soundtrack;
        let reasons: Vec<Reason<'_>> = self.signals().filter(relevant).map(Reason::Signal).collect();
        if reasons.is_empty() && self.role == Role::None {
            return vec![Reason::NoEvidence];
        }
        reasons
    }

    /// A decision restored from the state store: it prints the same role,
    /// confidence and reasons as the one it was made from.
    /// The reasons go where album signals go: one shared allocation, so the
    /// copies for an album's tracks that share a decision cost nothing.
    pub fn from_reasons(role: Role, confidence: f64, rule: Option<String>, reasons: Vec<String>) -> Decision {
        Decision {
            role,
            confidence,
            album_signals: reasons.into_iter().map(Signal::from_text).collect(),
            track_signals: Vec::new(),
            rule,
        }
    }

    /// Whether this decision prints as `other` does. Cheap for the tracks of
    /// one album, whose album signals are one shared allocation.
    pub fn prints_as(&self, other: &Decision) -> bool {
        self.role == other.role
            && self.confidence == other.confidence
            && self.rule == other.rule
            && (Arc::ptr_eq(&self.album_signals, &other.album_signals) || self.album_signals == other.album_signals)
            && self.track_signals == other.track_signals
    }

    /// The reasons as text.
    pub fn reasons(&self) -> Vec<String> {
        self.reason_items().iter().map(Reason::to_string).collect()
    }
}

/// Below this soundtrack evidence an album is not soundtrack music; without
/// any evidence at all the sum sits at the prior, so "no evidence" means none.
const SOUNDTRACK_PRIOR: f32 = -1.0;

fn logistic(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decides every track of one album. `tracks` are the album's tracks in any
/// order; the decisions come back in the same order.
pub fn classify(tracks: &[&Track], rules: &Rules) -> Vec<Decision> {
    let album = album_signals(tracks, rules);
    let soundtrack_sum = SOUNDTRACK_PRIOR + album.sum(Axis::Soundtrack);
    let album_score_sum = album.sum(Axis::Score);
    let shared: Arc<[Signal]> = album.signals.clone().into();
    tracks
        .iter()
        .enumerate()
        .map(|(index, track)| {
            let subject = RuleSubject {
                path: &track.path,
                album: track.tags.album.as_deref(),
                albumartist: track.tags.albumartist.as_deref(),
                artists: &track.tags.artist,
            };
            if let Some(rule) = rules.matching(&subject) {
                return Decision {
                    role: rule.role,
                    confidence: 1.0,
                    album_signals: Arc::from(Vec::new()),
                    track_signals: Vec::new(),
                    rule: Some(rule.label.clone()),
                };
            }
            let album_signals = Arc::clone(&shared);
            if soundtrack_sum <= 0.0 {
                return Decision {
                    role: Role::None,
                    confidence: round(logistic(-soundtrack_sum)),
                    album_signals,
                    track_signals: Vec::new(),
                    rule: None,
                };
            }
            let own = track_signals(&album, index, track);
            let score_sum = album_score_sum + own.iter().map(|s| s.weight).sum::<f32>();
            // A tie leans to score: on an album that is soundtrack music with no
            // sign of songs, the music is most often the composer's.
            let role = if score_sum >= 0.0 { Role::Score } else { Role::Song };
            let confidence = logistic(soundtrack_sum) * logistic(score_sum.abs());
            Decision { role, confidence: round(confidence), album_signals, track_signals: own, rule: None }
        })
        .collect()
}

fn round(x: f32) -> f64 {
    (f64::from(x) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests;
