//! Property tests (proptest) over the pure stages and the writer: the
//! invariants hold for generated inputs, not only for the hand-picked cases
//! of the unit tests. Case counts are kept low so the file runs in seconds.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::select;

use reeltag::apply::write_in_memory;
use reeltag::classify::Role;
use reeltag::error::Stage;
use reeltag::fields::{FIELDS, Field, Kind};
use reeltag::native::region::audio_region;
use reeltag::native::{NativeFile, NativeOptions};
use reeltag::plan::normalize::{self, Normalize};
use reeltag::plan::{Change, PlanInput, PlanOptions, Values, plan_album};
use reeltag::read::{ReadOutcome, guarded_as, read_track_from};
use reeltag::rules::Rules;
use reeltag::track::{Tags, Track};

/// Text that exercises the normalizer: controls, combining marks, odd
/// spaces, bidi marks, emoji, plus any Unicode at all.
fn messy_text() -> impl Strategy<Value = String> {
    let pieces = select(vec![
        "a",
        "É",
        "e\u{301}",
        " ",
        "  ",
        "\t",
        "\n",
        "\u{0}",
        "\u{1b}[0m",
        "\u{200b}",
        "\u{200f}",
        "\u{202e}",
        "\u{a0}",
        "\u{85}",
        "\u{2028}",
        "\u{3000}",
        "🎬",
        "👩\u{200d}🎤",
        "\u{fe0f}",
        "/",
        "03",
        "14",
        ".",
        "-",
        "Score",
    ]);
    prop_oneof![prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat()), any::<String>(),]
}

fn normalize_flags() -> impl Strategy<Value = Normalize> {
    prop::array::uniform10(any::<bool>()).prop_map(|b| Normalize {
        whitespace: b[0],
        unicode_nfc: b[1],
        control_chars: b[2],
        number_pairs: b[3],
        disc_from_folder: b[4],
        dates: b[5],
        album_consistency: b[6],
        score_composer: b[7],
        compilations: b[8],
        dedupe: b[9],
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn text_normalization_is_idempotent(value in messy_text(), rules in normalize_flags()) {
        let once = normalize::text(&value, &rules);
        prop_assert_eq!(normalize::text(&once, &rules), once.clone());
    }

    #[test]
    fn date_normalization_is_idempotent(y in 1900u32..2100, m in 0u32..14, d in 0u32..33, sep in select(vec!["/", ".", "-", " "])) {
        for value in [format!("{y}{sep}{m}{sep}{d}"), format!("{d}{sep}{m}{sep}{y}"), format!("{y}{sep}{m}")] {
            let fixed = normalize::iso_date(&value).unwrap_or(value);
            prop_assert_eq!(normalize::iso_date(&fixed), None, "{}", fixed);
        }
    }
}

/// A value of one field, drawn from what real tags hold and what breaks parsers.
fn field_value(kind: Kind) -> BoxedStrategy<String> {
    let words = select(vec![
        "Main Title",
        "End Credits",
        "Original Score",
        "Soundtrack",
        "Symphony No. 5",
        "Hans Zimmer",
        "John Williams",
        "Various Artists",
        "Interstellar (Original Motion Picture Soundtrack)",
        "album",
        "soundtrack",
        "compilation",
    ])
    .prop_map(str::to_owned);
    let numbers =
        select(vec!["1", "03", "03/14", "3 of 14", "0", "+3", " 7 ", "12/", "/12", "1977"]).prop_map(str::to_owned);
    let dates = select(vec!["1977", "1977/05/25", "25.05.1977", "05/25/1977", "1977-5-2", "1977-13-01", "spring"])
        .prop_map(str::to_owned);
    match kind {
        Kind::Number => prop_oneof![3 => numbers, 1 => messy_text()].boxed(),
        Kind::Flag => select(vec!["1", "0", " 1", "yes"]).prop_map(str::to_owned).boxed(),
        _ => prop_oneof![3 => words, 1 => dates, 1 => numbers, 1 => messy_text()].boxed(),
    }
}

fn values() -> impl Strategy<Value = Values> {
    let per_field: Vec<BoxedStrategy<(Field, Vec<String>)>> = FIELDS
        .iter()
        .map(|spec| {
            let field = spec.field;
            let max = if spec.kind == Kind::List { 4 } else { 2 };
            prop::collection::vec(field_value(spec.kind), 0..max).prop_map(move |v| (field, v)).boxed()
        })
        .collect();
    per_field.prop_map(|pairs| pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect())
}

fn role() -> impl Strategy<Value = Role> {
    select(vec![Role::Score, Role::Song, Role::None])
}

/// One album: up to six tracks, some in disc folders.
fn album() -> impl Strategy<Value = Vec<(PathBuf, Values, Role)>> {
    prop::collection::vec((select(vec!["", "CD1/", "Disc 2/"]), values(), role()), 1..7).prop_map(|tracks| {
        tracks
            .into_iter()
            .enumerate()
            .map(|(i, (folder, values, role))| (PathBuf::from(format!("/m/Album/{folder}{i:02}.flac")), values, role))
            .collect()
    })
}

fn plan_options() -> impl Strategy<Value = PlanOptions> {
    (normalize_flags(), any::<bool>()).prop_map(|(normalize, overwrite_grouping)| PlanOptions {
        overwrite_grouping,
        normalize,
        ..PlanOptions::default()
    })
}

fn plan(tracks: &[(PathBuf, Values, Role)], options: &PlanOptions) -> Vec<Vec<Change>> {
    let inputs: Vec<PlanInput<'_>> =
        tracks.iter().map(|(path, values, role)| PlanInput { path, values, role: *role }).collect();
    plan_album(&inputs, options)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Applying a plan to the values and planning again changes nothing.
    #[test]
    fn a_plan_applied_plans_nothing_more(tracks in album(), options in plan_options()) {
        let plans = plan(&tracks, &options);
        let applied: Vec<(PathBuf, Values, Role)> = tracks
            .iter()
            .zip(&plans)
            .map(|((path, values, role), changes)| {
                let mut values = values.clone();
                for change in changes {
                    values.insert(change.field, change.new.clone());
                }
                (path.clone(), values, *role)
            })
            .collect();
        for (again, (path, ..)) in plan(&applied, &options).iter().zip(&applied) {
            prop_assert!(again.is_empty(), "{}: {:?}", path.display(), again);
        }
    }
}

/// A library of a few albums whose tags fire the classifier's signals;
/// `siblings` adds sibling folders whose tracks may join as discs of one release.
fn library(siblings: bool) -> impl Strategy<Value = Vec<Track>> {
    let album_titles = select(vec![
        "Interstellar (Original Motion Picture Soundtrack)",
        "Guardians of the Galaxy: Awesome Mix Vol. 1",
        "Symphonies 5 & 7",
        "Random Access Memories",
        "Star Wars (Original Score)",
        "",
    ]);
    let artists =
        select(vec!["Hans Zimmer", "John Williams", "London Symphony Orchestra", "Blue Swede", "Daft Punk", ""]);
    let titles = select(vec![
        "Main Title",
        "Cornfield Chase",
        "Hooked on a Feeling",
        "Symphony No. 5: I. Allegro",
        "End Credits",
        "Love Me (feat. Someone)",
    ]);
    let genres = select(vec!["Soundtrack", "Classical", "Pop", ""]);
    let mut folder_names = vec![
        "Soundtracks/Interstellar",
        "Soundtracks/Interstellar/CD1",
        "Soundtracks/Interstellar/CD2",
        "Pop/Mix",
        "Classical/Karajan",
        "Loose",
    ];
    if siblings {
        folder_names.extend(["Soundtracks/Part 1", "Soundtracks/Part 2", "Soundtracks/Part 3"]);
    }
    let folders = select(folder_names);
    let track = (folders, album_titles, artists.clone(), artists, titles, genres, prop::option::of(1u32..3));
    prop::collection::vec(track, 1..24).prop_map(|tracks| {
        tracks
            .into_iter()
            .enumerate()
            .map(|(i, (folder, album, artist, composer, title, genre, disc))| {
                let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
                let list = |s: &str| opt(s).into_iter().collect::<Vec<_>>();
                Track {
                    path: PathBuf::from(format!("/m/{folder}/{i:02}.flac")),
                    format: "flac",
                    tag_types: vec!["vorbis"],
                    id3v2_version: None,
                    tags: Tags {
                        title: opt(title),
                        album: opt(album),
                        artist: list(artist),
                        composer: list(composer),
                        genre: list(genre),
                        track: Some(i as u32 + 1),
                        disc,
                        ..Tags::default()
                    },
                }
            })
            .collect()
    })
}

fn decisions_by_path(tracks: &[Track], threads: usize) -> BTreeMap<PathBuf, (Role, String, Vec<String>)> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
    let decisions = pool.install(|| reeltag::decide_all(tracks, &Rules::default()));
    tracks
        .iter()
        .zip(decisions)
        .map(|(t, d)| {
            let reasons = d.album_signals.iter().chain(&d.track_signals).map(|s| format!("{s:?}")).collect();
            (t.path.clone(), (d.role, format!("{:.6}", d.confidence), reasons))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Each track's role, confidence and reasons do not depend on the order
    /// the tracks come in or on how many threads classify them.
    #[test]
    fn classification_ignores_order_and_threads(tracks in library(false), seed in any::<u64>()) {
        assert_order_free(&tracks, seed)?;
    }

    /// The same with sibling disc folders, which join as discs of one release.
    #[test]
    fn classification_ignores_order_and_threads_with_sibling_discs(tracks in library(true), seed in any::<u64>()) {
        assert_order_free(&tracks, seed)?;
    }
}

fn assert_order_free(tracks: &[Track], seed: u64) -> Result<(), TestCaseError> {
    let expected = decisions_by_path(tracks, 1);
    let mut shuffled = tracks.to_vec();
    // A seeded xorshift Fisher-Yates shuffle, so a failure replays.
    let mut state = seed | 1;
    for i in (1..shuffled.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        shuffled.swap(i, (state % (i as u64 + 1)) as usize);
    }
    prop_assert_eq!(&decisions_by_path(&shuffled, 1), &expected, "reordered");
    prop_assert_eq!(&decisions_by_path(&shuffled, 4), &expected, "four threads");
    Ok(())
}

/// The committed fixtures the writer is tried on, one per tag format family.
const WRITE_FIXTURES: &[&str] = &[
    "id3v24.mp3",
    "id3v23.mp3",
    "sample.flac",
    "sample.ogg",
    "sample.opus",
    "sample.m4a",
    "sample.wav",
    "sample.aiff",
    "sample.wv",
];

fn fixture_bytes() -> Vec<(&'static str, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
    WRITE_FIXTURES
        .iter()
        .map(|name| (*name, std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("read fixture {name}: {e}"))))
        .collect()
}

/// Any Unicode, plus the hard cases named outright: NUL, bidi marks, emoji
/// sequences, and 10 KB values.
fn hostile_text() -> impl Strategy<Value = String> {
    let hard = select(vec![
        "a\u{0}b",
        "\u{0}",
        "trailing\u{0}",
        "\u{200f}עברית\u{200e}",
        "\u{202e}desrever",
        "👨\u{200d}👩\u{200d}👧",
        "🎬🎼",
        "\u{feff}bom",
        "\u{fffd}",
        "\u{10ffff}",
        "line\nbreak",
        "tab\there",
        "\r\n",
        "x\u{301}\u{301}",
    ])
    .prop_map(str::to_owned);
    let long = (select(vec!["a", "é", "🎼", "\u{200f}", "ab c"]), 1usize..2600).prop_map(|(s, n)| s.repeat(n));
    prop_oneof![2 => any::<String>(), 2 => hard, 1 => long]
        .prop_filter("the planner never writes an empty value", |s| !s.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A title and an artist list with any Unicode, written into every format:
    /// either the copy re-reads with exactly those values (through the native
    /// tags and through the scan's reader) and the audio is unchanged, or the
    /// write is refused with an error that says why.
    #[test]
    fn any_unicode_round_trips_or_is_refused(title in hostile_text(), artists in prop::collection::vec(hostile_text(), 1..3)) {
        for (name, original) in fixture_bytes() {
            let path = PathBuf::from(format!("/m/{name}"));
            let changes = vec![
                Change { field: Field::Title, old: Vec::new(), new: vec![title.clone()] },
                Change { field: Field::Artist, old: Vec::new(), new: artists.clone() },
            ];
            // As `reeltag tag` runs it: a panic in lofty's writer becomes an error for that file.
            let written = guarded_as(&path, Stage::Write, || write_in_memory(&path, &original, &changes, &NativeOptions::default()));
            match written {
                Ok(written) => {
                    let native = NativeFile::read_from(&mut Cursor::new(&written)).expect("the written copy re-reads");
                    prop_assert_eq!(native.get(Field::Title), vec![title.clone()], "{}", name);
                    prop_assert_eq!(native.get(Field::Artist), artists.clone(), "{}", name);
                    prop_assert_eq!(audio_region(&original).map(|a| a.1), audio_region(&written).map(|a| a.1), "{}", name);
                    let ReadOutcome::Track(track) = read_track_from(&path, &mut Cursor::new(&written)) else {
                        return Err(TestCaseError::fail(format!("{name}: the scan cannot read the written copy")));
                    };
                    // The scan drops trailing NULs and blank values, as it does for every file.
                    let scanned = title.trim_end_matches('\0');
                    let blank = scanned.trim_matches(|c: char| c == '\0' || c.is_whitespace()).is_empty();
                    prop_assert_eq!(track.tags.title.as_deref(), (!blank).then_some(scanned), "{}", name);
                }
                Err(err) => {
                    let text = err.to_string();
                    prop_assert!(text.starts_with(&format!("/m/{name}: write: ")), "{}", text);
                    prop_assert!(err.hint.is_some(), "a refusal says what to do: {}", text);
                }
            }
        }
    }
}
