//! Stage 5: plan the changes to write, per album. Pure: values in, changes
//! out, no I/O, so every rule is tested with tables.
//!
//! What a plan writes: the role fields (grouping and SOUNDTRACK_ROLE), a
//! `soundtrack` releasetype on soundtrack albums, and the normalization
//! rules of [`normalize::Normalize`]. It never invents what the data does not
//! support: values come from the file itself, its album or its folder.

pub mod normalize;
mod values;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

#[cfg(test)]
use serde_json::{Value, json};

use crate::album::disc_from_folder;
use crate::classify::Role;
use crate::fields::{FIELDS, Field, Kind};
use normalize::Normalize;
pub use values::Values;

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: Field,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

// The serde_json rendering of a change: the reference the hand-written
// report (`report::plan`) is tested against.
#[cfg(test)]
impl Change {
    /// `{"field": "grouping", "old": null, "new": "Original Score"}`, each
    /// value typed as the field's kind.
    pub fn to_json(&self) -> Value {
        let spec = crate::fields::spec(self.field);
        json!({ "field": spec.name, "old": typed(spec.kind, &self.old), "new": typed(spec.kind, &self.new) })
    }
}

/// A field's values as JSON of its kind; `null` when there are none.
#[cfg(test)]
pub fn typed(kind: Kind, values: &[String]) -> Value {
    let Some(first) = values.first() else { return Value::Null };
    match kind {
        Kind::List => json!(values),
        Kind::Number => first.parse::<u64>().map_or_else(|_| json!(first), |n| json!(n)),
        Kind::Flag | Kind::Presence => json!(first == "1"),
        Kind::Text => json!(first),
    }
}

/// The values reeltag writes for each role, and whether a user's own grouping may be replaced.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub score_grouping: String,
    pub song_grouping: String,
    pub overwrite_grouping: bool,
    pub normalize: Normalize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            score_grouping: "Original Score".into(),
            song_grouping: "Soundtrack".into(),
            overwrite_grouping: false,
            normalize: Normalize::default(),
        }
    }
}

/// One track as the planner sees it.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub path: &'a Path,
    pub values: &'a Values,
    pub role: Role,
}

/// Albums nearly all of whose tracks agree get the agreeing value everywhere.
const NEARLY_ALL: f64 = 0.8;

/// Plans every track of one album; changes come back in track order, each
/// track's in field-table order.
pub fn plan_album(tracks: &[PlanInput<'_>], options: &PlanOptions) -> Vec<Vec<Change>> {
    let rules = &options.normalize;
    let mut new: Vec<Planned<'_>> = tracks.iter().map(|t| clean(t, rules)).collect();
    if rules.album_consistency {
        for field in [Field::AlbumArtist, Field::Album, Field::Date, Field::DiscTotal] {
            make_consistent(&mut new, field);
        }
    }
    if rules.score_composer {
        give_score_composer(tracks, &mut new);
    }
    let soundtrack = tracks.iter().any(|t| t.role != Role::None);
    let compilation = is_song_compilation(tracks, &new);
    if compilation && rules.compilations {
        // Only an album no track of which names an album artist gets "Various
        // Artists": filling the gaps of a partly credited album would make a
        // majority the next run's consistency rule spreads over the rest.
        let credited = new.iter().any(|values| !values.get(Field::AlbumArtist).is_empty());
        for values in &mut new {
            if !credited {
                values.insert(Field::AlbumArtist, vec!["Various Artists".into()]);
            }
            values.insert(Field::Compilation, vec!["1".into()]);
        }
    }
    for (values, track) in new.iter_mut().zip(tracks) {
        if soundtrack {
            add_releasetypes(values, compilation);
        }
        set_role_fields(values, track.role, options);
    }
    tracks.iter().zip(new).map(|(track, new)| diff(track.values, &new)).collect()
}

/// A track's planned values: each field borrowed from the file's own values
/// until a rule changes it. Nearly every value is already clean, and copying
/// them all was most of what planning cost.
#[derive(Debug, Clone)]
struct Planned<'a>([Cow<'a, [String]>; FIELDS.len()]);

impl Planned<'_> {
    fn get(&self, field: Field) -> &[String] {
        &self.0[field as usize]
    }

    fn get_mut(&mut self, field: Field) -> &mut Vec<String> {
        self.0[field as usize].to_mut()
    }

    fn insert(&mut self, field: Field, values: Vec<String>) {
        self.0[field as usize] = Cow::Owned(values);
    }
}

/// The text rules and the duplicate rule on one field's values; borrowed
/// when they change nothing.
fn clean_list<'a>(old: &'a [String], kind: Kind, rules: &Normalize) -> Cow<'a, [String]> {
    let untouched = |v: &String| kind == Kind::Presence || (!v.is_empty() && normalize::is_clean_ascii(v));
    let distinct = || !rules.dedupe || old.iter().enumerate().all(|(i, v)| !old[..i].contains(v));
    if old.iter().all(untouched) && distinct() {
        return Cow::Borrowed(old);
    }
    let mut list: Vec<String> = old
        .iter()
        .map(|v| if kind == Kind::Presence { v.clone() } else { normalize::text(v, rules) })
        .filter(|v| !v.is_empty())
        .collect();
    if rules.dedupe {
        list = normalize::dedupe(list);
    }
    Cow::Owned(list)
}

/// Per-track rules: text clean-up, duplicates, number pairs, disc folders, dates.
fn clean<'a>(track: &PlanInput<'a>, rules: &Normalize) -> Planned<'a> {
    let old = track.values;
    let mut values = Planned(std::array::from_fn(|i| clean_list(old.get(FIELDS[i].field), FIELDS[i].kind, rules)));
    if rules.number_pairs {
        for (number, total) in [(Field::Track, Field::TrackTotal), (Field::Disc, Field::DiscTotal)] {
            let Some((n, t)) = values.get(number).first().and_then(|v| normalize::number_pair(v)) else { continue };
            values.insert(number, vec![n.to_string()]);
            if let (Some(t), true) = (t, values.get(total).is_empty()) {
                values.insert(total, vec![t.to_string()]);
            }
        }
        for total in [Field::TrackTotal, Field::DiscTotal] {
            if let Some((t, None)) = values.get(total).first().and_then(|v| normalize::number_pair(v)) {
                values.insert(total, vec![t.to_string()]);
            }
        }
    }
    if rules.disc_from_folder && values.get(Field::Disc).is_empty() {
        let folder = track.path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str());
        if let Some(disc) = folder.and_then(disc_from_folder) {
            values.insert(Field::Disc, vec![disc.to_string()]);
        }
    }
    if rules.dates
        && let Some(iso) = values.get(Field::Date).first().and_then(|d| normalize::iso_date(d))
    {
        values.insert(Field::Date, vec![iso]);
    }
    values
}

fn make_consistent(tracks: &mut [Planned<'_>], field: Field) {
    let mut counts: BTreeMap<&[String], usize> = BTreeMap::new();
    for values in tracks.iter() {
        let v = values.get(field);
        if !v.is_empty() {
            *counts.entry(v).or_default() += 1;
        }
    }
    let Some((winner, count)) = counts.into_iter().max_by_key(|(_, n)| *n) else { return };
    let n = tracks.len();
    if n < 3 || count == n || (count as f64) < NEARLY_ALL * n as f64 {
        return;
    }
    let winner = winner.to_vec();
    for values in tracks.iter_mut() {
        values.insert(field, winner.clone());
    }
}

/// The composer most score tracks of the album name goes to score tracks with none.
fn give_score_composer(tracks: &[PlanInput<'_>], new: &mut [Planned<'_>]) {
    let score: Vec<usize> = (0..tracks.len()).filter(|&i| tracks[i].role == Role::Score).collect();
    let mut counts: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for &i in &score {
        let c = new[i].get(Field::Composer);
        if !c.is_empty() {
            *counts.entry(c.to_vec()).or_default() += 1;
        }
    }
    let Some((composer, count)) = counts.into_iter().max_by_key(|(_, n)| *n) else { return };
    if count * 2 < score.len() {
        return;
    }
    for &i in &score {
        if new[i].get(Field::Composer).is_empty() {
            new[i].insert(Field::Composer, composer.clone());
        }
    }
}

/// Every track a song, by at least three different artists (a track without
/// an artist is not a different one).
fn is_song_compilation(tracks: &[PlanInput<'_>], values: &[Planned<'_>]) -> bool {
    let artists: std::collections::BTreeSet<&[String]> =
        values.iter().map(|v| v.get(Field::Artist)).filter(|artist| !artist.is_empty()).collect();
    tracks.len() >= 3 && tracks.iter().all(|t| t.role == Role::Song) && artists.len() >= 3
}

fn add_releasetypes(values: &mut Planned<'_>, compilation: bool) {
    let has = |types: &[String], kind: &str| types.iter().any(|t| t.eq_ignore_ascii_case(kind));
    let types = values.get(Field::ReleaseType);
    let (soundtrack, compilation) = (!has(types, "soundtrack"), compilation && !has(types, "compilation"));
    if soundtrack {
        values.get_mut(Field::ReleaseType).push("soundtrack".into());
    }
    if compilation {
        values.get_mut(Field::ReleaseType).push("compilation".into());
    }
}

fn set_role_fields(values: &mut Planned<'_>, role: Role, options: &PlanOptions) {
    let ours = [options.score_grouping.as_str(), options.song_grouping.as_str()];
    let grouping = values.get(Field::Grouping).first().cloned();
    let grouping_is_ours = grouping.as_deref().is_none_or(|g| ours.contains(&g));
    let (wanted_grouping, wanted_role) = match role {
        Role::Score => (Some(options.score_grouping.clone()), Some("score")),
        Role::Song => (Some(options.song_grouping.clone()), Some("song")),
        Role::None => (None, None),
    };
    if grouping_is_ours || options.overwrite_grouping {
        match wanted_grouping {
            Some(g) => values.insert(Field::Grouping, vec![g]),
            // Role none: remove only a grouping an earlier run wrote.
            None if grouping_is_ours => values.insert(Field::Grouping, Vec::new()),
            None => {}
        }
    }
    values.insert(Field::SoundtrackRole, wanted_role.map(|r| vec![r.to_string()]).unwrap_or_default());
}

fn diff(old: &Values, new: &Planned<'_>) -> Vec<Change> {
    FIELDS
        .iter()
        .filter(|spec| spec.kind != Kind::Presence)
        .filter_map(|spec| {
            let (o, n) = (old.get(spec.field), new.get(spec.field));
            (o != n).then(|| Change { field: spec.field, old: o.to_vec(), new: n.to_vec() })
        })
        .collect()
}

#[cfg(test)]
mod tests;
