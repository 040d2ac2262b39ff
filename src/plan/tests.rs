//! Table tests of the planner on plain values.

use std::path::PathBuf;

use super::*;

fn values(pairs: &[(Field, &[&str])]) -> Values {
    pairs.iter().map(|(f, v)| (*f, v.iter().map(|s| s.to_string()).collect())).collect()
}

fn plan(inputs: &[(PathBuf, Values, Role)], options: &PlanOptions) -> Vec<Vec<Change>> {
    let refs: Vec<PlanInput<'_>> = inputs.iter().map(|(p, v, r)| PlanInput { path: p, values: v, role: *r }).collect();
    plan_album(&refs, options)
}

/// Applies a plan to the values, as a write would.
fn applied(inputs: &[(PathBuf, Values, Role)], plans: &[Vec<Change>]) -> Vec<(PathBuf, Values, Role)> {
    inputs
        .iter()
        .zip(plans)
        .map(|((p, v, r), changes)| {
            let mut v = v.clone();
            for c in changes {
                v.insert(c.field, c.new.clone());
            }
            (p.clone(), v, *r)
        })
        .collect()
}

fn change(changes: &[Change], field: Field) -> Option<&Change> {
    changes.iter().find(|c| c.field == field)
}

fn track(n: u32, role: Role, extra: &[(Field, &[&str])]) -> (PathBuf, Values, Role) {
    let number = n.to_string();
    let number = [number.as_str()];
    let mut pairs: Vec<(Field, &[&str])> = vec![(Field::Title, &["Cue"]), (Field::Track, &number)];
    pairs.extend_from_slice(extra);
    (PathBuf::from(format!("/m/Album/{n:02}.flac")), values(&pairs), role)
}

#[test]
fn score_gets_role_fields_and_soundtrack_releasetype() {
    let inputs = vec![track(1, Role::Score, &[(Field::ReleaseType, &["album"])])];
    let plans = plan(&inputs, &PlanOptions::default());
    let c = &plans[0];
    assert_eq!(change(c, Field::Grouping).unwrap().new, ["Original Score"]);
    assert_eq!(change(c, Field::SoundtrackRole).unwrap().new, ["score"]);
    assert_eq!(change(c, Field::ReleaseType).unwrap().new, ["album", "soundtrack"], "existing values kept");
    assert_eq!(
        change(c, Field::Grouping).unwrap().to_json(),
        json!({"field": "grouping", "old": null, "new": "Original Score"})
    );
}

#[test]
fn user_grouping_is_kept_unless_overwrite() {
    let inputs = vec![track(1, Role::Song, &[(Field::Grouping, &["My Favourites"])])];
    let plans = plan(&inputs, &PlanOptions::default());
    assert!(change(&plans[0], Field::Grouping).is_none());
    assert_eq!(change(&plans[0], Field::SoundtrackRole).unwrap().new, ["song"]);
    let overwrite = PlanOptions { overwrite_grouping: true, ..PlanOptions::default() };
    assert_eq!(change(&plan(&inputs, &overwrite)[0], Field::Grouping).unwrap().new, ["Soundtrack"]);
}

#[test]
fn role_none_removes_only_our_fields() {
    let ours =
        vec![track(1, Role::None, &[(Field::Grouping, &["Original Score"]), (Field::SoundtrackRole, &["score"])])];
    let plans = plan(&ours, &PlanOptions::default());
    assert_eq!(change(&plans[0], Field::Grouping).unwrap().new, Vec::<String>::new());
    assert_eq!(change(&plans[0], Field::SoundtrackRole).unwrap().new, Vec::<String>::new());
    assert!(change(&plans[0], Field::ReleaseType).is_none(), "none albums get no soundtrack releasetype");
    let theirs = vec![track(1, Role::None, &[(Field::Grouping, &["Jazz Club"])])];
    assert!(plan(&theirs, &PlanOptions::default())[0].is_empty());
}

#[test]
fn normalization_table() {
    let inputs = vec![(
        PathBuf::from("/m/Interstellar/CD2/01.mp3"),
        values(&[
            (Field::Title, &["  Cornfield\u{0}  Chase "]),
            (Field::Track, &["03/14"]),
            (Field::Date, &["2014/11/17"]),
            (Field::Genre, &["Soundtrack", "Soundtrack"]),
            (Field::Artist, &["Cafe\u{301} Tacvba"]),
        ]),
        Role::None,
    )];
    let c = &plan(&inputs, &PlanOptions::default())[0];
    assert_eq!(change(c, Field::Title).unwrap().new, ["Cornfield Chase"]);
    assert_eq!(change(c, Field::Track).unwrap().new, ["3"]);
    assert_eq!(change(c, Field::TrackTotal).unwrap().new, ["14"]);
    assert_eq!(change(c, Field::Disc).unwrap().new, ["2"], "from the CD2 folder");
    assert_eq!(change(c, Field::Date).unwrap().new, ["2014-11-17"]);
    assert_eq!(change(c, Field::Genre).unwrap().new, ["Soundtrack"]);
    assert_eq!(change(c, Field::Artist).unwrap().new, ["Caf\u{e9} Tacvba"]);
    // Every rule can be switched off.
    let off = PlanOptions {
        normalize: Normalize {
            whitespace: false,
            unicode_nfc: false,
            control_chars: false,
            number_pairs: false,
            disc_from_folder: false,
            dates: false,
            album_consistency: false,
            score_composer: false,
            compilations: false,
            dedupe: false,
        },
        ..PlanOptions::default()
    };
    assert!(plan(&inputs, &off)[0].is_empty(), "{:?}", plan(&inputs, &off)[0]);
}

#[test]
fn album_level_rules() {
    let va: &[&str] = &[];
    let mut inputs: Vec<_> = (1..=5)
        .map(|n| {
            track(
                n,
                Role::Score,
                &[
                    (Field::AlbumArtist, &["Hans Zimmer"]),
                    (Field::Composer, &["Hans Zimmer"]),
                    (Field::Date, &["2014"]),
                ],
            )
        })
        .collect();
    inputs[4].1.insert(Field::AlbumArtist, vec!["Zimmer".into()]); // one odd track
    inputs[3].1.insert(Field::Composer, va.iter().map(|s| s.to_string()).collect()); // one without composer
    let plans = plan(&inputs, &PlanOptions::default());
    assert_eq!(change(&plans[4], Field::AlbumArtist).unwrap().new, ["Hans Zimmer"]);
    assert_eq!(change(&plans[3], Field::Composer).unwrap().new, ["Hans Zimmer"]);
    assert!(change(&plans[0], Field::AlbumArtist).is_none());

    let songs: Vec<_> = ["Blue Swede", "Raspberries", "David Bowie"]
        .iter()
        .enumerate()
        .map(|(i, a)| track(i as u32 + 1, Role::Song, &[(Field::Artist, &[a])]))
        .collect();
    let plans = plan(&songs, &PlanOptions::default());
    for c in &plans {
        assert_eq!(change(c, Field::AlbumArtist).unwrap().new, ["Various Artists"]);
        assert_eq!(change(c, Field::Compilation).unwrap().new, ["1"]);
        assert_eq!(change(c, Field::ReleaseType).unwrap().new, ["soundtrack", "compilation"]);
    }
}

/// Found by the proptest "a plan applied plans nothing more": five songs, two
/// named artists, one album artist. Tracks without an artist did not make
/// three artists, and filling the other tracks' album artist with "Various
/// Artists" made a majority the next run spread over the credited track.
#[test]
fn a_partly_credited_album_is_left_as_it_is() {
    let mut songs: Vec<_> = (1..=3).map(|n| track(n, Role::Song, &[])).collect();
    songs.push(track(4, Role::Song, &[(Field::Artist, &["Soundtrack"]), (Field::AlbumArtist, &["Main Title"])]));
    songs.push(track(5, Role::Song, &[(Field::Artist, &["Main Title"])]));
    let options = PlanOptions::default();
    let plans = plan(&songs, &options);
    assert!(plans.iter().all(|c| change(c, Field::AlbumArtist).is_none()), "{plans:?}");
    assert!(plans.iter().all(|c| change(c, Field::Compilation).is_none()), "two artists: not a compilation");

    // Three named artists and one credited track: a compilation, its album artist left alone.
    songs[0].1.insert(Field::Artist, vec!["Third".into()]);
    let plans = plan(&songs, &options);
    assert!(plans.iter().all(|c| change(c, Field::AlbumArtist).is_none()), "{plans:?}");
    assert!(plans.iter().all(|c| change(c, Field::Compilation).is_some()));
}

#[test]
fn a_second_plan_is_empty() {
    let inputs: Vec<_> = vec![
        track(1, Role::Score, &[(Field::Track, &["01/03"]), (Field::Date, &["1977/05/25"])]),
        track(2, Role::Song, &[(Field::Grouping, &["Original Score"]), (Field::Artist, &["A", "A"])]),
        track(3, Role::None, &[(Field::SoundtrackRole, &["song"])]),
    ];
    let options = PlanOptions::default();
    let first = plan(&inputs, &options);
    assert!(first.iter().any(|c| !c.is_empty()));
    let second = plan(&applied(&inputs, &first), &options);
    assert!(second.iter().all(Vec::is_empty), "{second:?}");
}
