//! Table tests of the classifier on plain tag data.

use std::path::PathBuf;

use super::*;
use crate::track::{Tags, Track};

/// A compact album description: (artist, title, composer) per track.
struct AlbumCase {
    album: &'static str,
    albumartist: Option<&'static str>,
    genre: &'static [&'static str],
    releasetype: &'static [&'static str],
    compilation: bool,
    tracks: &'static [(&'static str, &'static str, &'static str)],
}

impl AlbumCase {
    fn tracks(&self) -> Vec<Track> {
        self.tracks
            .iter()
            .enumerate()
            .map(|(i, (artist, title, composer))| Track {
                path: PathBuf::from(format!("/music/{}/{:02}.flac", self.album, i + 1)),
                format: "flac",
                tag_types: vec!["vorbis"],
                id3v2_version: None,
                tags: Tags {
                    title: Some(title.to_string()),
                    artist: vec![artist.to_string()],
                    album: Some(self.album.to_string()),
                    albumartist: self.albumartist.map(str::to_owned),
                    composer: if composer.is_empty() { vec![] } else { vec![composer.to_string()] },
                    genre: self.genre.iter().map(|g| g.to_string()).collect(),
                    track: Some(i as u32 + 1),
                    releasetype: self.releasetype.iter().map(|s| s.to_string()).collect(),
                    compilation: self.compilation.then_some(true),
                    ..Tags::default()
                },
            })
            .collect()
    }

    fn roles(&self, rules: &Rules) -> Vec<Role> {
        let tracks = self.tracks();
        let refs: Vec<&Track> = tracks.iter().collect();
        classify(&refs, rules).into_iter().map(|d| d.role).collect()
    }
}

const BASE: AlbumCase =
    AlbumCase { album: "", albumartist: None, genre: &[], releasetype: &[], compilation: false, tracks: &[] };

#[test]
fn soundtrack_titled_score_is_score() {
    let case = AlbumCase {
        album: "Star Wars (Original Motion Picture Soundtrack)",
        tracks: &[
            ("John Williams", "Main Title", ""),
            ("John Williams", "Imperial Attack", ""),
            ("John Williams", "The Desert and the Robot Auction", ""),
            ("John Williams", "Ben's Death and TIE Fighter Attack", ""),
        ],
        ..BASE
    };
    assert_eq!(case.roles(&Rules::default()), [Role::Score; 4]);
}

#[test]
fn licensed_song_compilation_is_songs() {
    let case = AlbumCase {
        album: "Guardians of the Galaxy: Awesome Mix Vol. 1 (Original Motion Picture Soundtrack)",
        albumartist: Some("Various Artists"),
        releasetype: &["compilation", "soundtrack"],
        compilation: true,
        tracks: &[
            ("Blue Swede", "Hooked on a Feeling", "Mark James"),
            ("Raspberries", "Go All the Way", "Eric Carmen"),
            ("Norman Greenbaum", "Spirit in the Sky", "Norman Greenbaum"),
            ("David Bowie", "Moonage Daydream", "David Bowie"),
            ("Elvin Bishop", "Fooled Around and Fell in Love", "Elvin Bishop"),
        ],
        ..BASE
    };
    assert_eq!(case.roles(&Rules::default()), [Role::Song; 5]);
}

#[test]
fn mixed_album_splits_by_lead_composer() {
    let case = AlbumCase {
        album: "Drive (Original Motion Picture Soundtrack)",
        albumartist: Some("Various Artists"),
        tracks: &[
            ("Kavinsky", "Nightcall", ""),
            ("Desire", "Under Your Spell", ""),
            ("College feat. Electric Youth", "A Real Hero", ""),
            ("Cliff Martinez", "Rubber Head", "Cliff Martinez"),
            ("Cliff Martinez", "I Drive", "Cliff Martinez"),
            ("Cliff Martinez", "He Had a Good Time", "Cliff Martinez"),
            ("Cliff Martinez", "Hammer", "Cliff Martinez"),
        ],
        ..BASE
    };
    use Role::*;
    assert_eq!(case.roles(&Rules::default()), [Song, Song, Song, Score, Score, Score, Score]);
}

/// A composer's own vocal song on their score album is a song: lyrics
/// outweigh every sign that the composer leads the album (eval/README.md, rule 1).
#[test]
fn a_composers_song_with_lyrics_is_a_song() {
    let case = AlbumCase {
        album: "Harbour Lights (Original Motion Picture Score)",
        albumartist: Some("Ada Marsh"),
        genre: &["Film Score"],
        releasetype: &["album", "soundtrack"],
        tracks: &[
            ("Ada Marsh", "Main Title", "Ada Marsh"),
            ("Ada Marsh", "The Harbour", "Ada Marsh"),
            ("Ada Marsh", "Come Home to Me", "Ada Marsh"),
            ("Ada Marsh", "End Titles", "Ada Marsh"),
        ],
        ..BASE
    };
    let mut tracks = case.tracks();
    tracks[2].tags.lyrics = true;
    let refs: Vec<&Track> = tracks.iter().collect();
    let decisions = classify(&refs, &Rules::default());
    use Role::*;
    assert_eq!(decisions.iter().map(|d| d.role).collect::<Vec<_>>(), [Score, Score, Song, Score]);
    assert!(decisions[2].reasons().iter().any(|r| r.starts_with("lyrics")), "{:?}", decisions[2].reasons());
}

#[test]
fn without_album_artist_the_majority_performer_leads() {
    let case = AlbumCase {
        album: "Titanic (Music from the Motion Picture)",
        tracks: &[
            ("James Horner", "Never an Absolution", ""),
            ("James Horner", "Distant Memories", ""),
            ("James Horner", "Southampton", ""),
            ("Celine Dion", "My Heart Will Go On", ""),
        ],
        ..BASE
    };
    use Role::*;
    assert_eq!(case.roles(&Rules::default()), [Score, Score, Score, Song]);
}

#[test]
fn a_singer_on_half_the_album_is_not_its_composer() {
    let case = AlbumCase {
        album: "The Bodyguard (Original Soundtrack Album)",
        albumartist: Some("Whitney Houston"),
        tracks: &[
            ("Whitney Houston", "I Will Always Love You", ""),
            ("Whitney Houston", "I Have Nothing", ""),
            ("Whitney Houston", "Run to You", ""),
            ("Kenny G", "Waiting for You", ""),
            ("Lisa Stansfield", "Someday (I'm Coming Back)", ""),
            ("Joe Cocker", "Trust in Me", ""),
        ],
        ..BASE
    };
    assert_eq!(case.roles(&Rules::default()), [Role::Song; 6]);
}

#[test]
fn classical_with_composer_tags_is_none() {
    let case = AlbumCase {
        album: "Beethoven: Symphonies Nos. 5 & 7",
        albumartist: Some("Berliner Philharmoniker"),
        genre: &["Classical"],
        tracks: &[
            (
                "Berliner Philharmoniker",
                "Symphony No. 5 in C minor, Op. 67: I. Allegro con brio",
                "Ludwig van Beethoven",
            ),
            (
                "Berliner Philharmoniker",
                "Symphony No. 5 in C minor, Op. 67: II. Andante con moto",
                "Ludwig van Beethoven",
            ),
            ("Berliner Philharmoniker", "Symphony No. 5 in C minor, Op. 67: III. Allegro", "Ludwig van Beethoven"),
        ],
        ..BASE
    };
    assert_eq!(case.roles(&Rules::default()), [Role::None; 3]);
}

#[test]
fn studio_album_by_soundtrack_artist_is_none() {
    let case = AlbumCase {
        album: "Random Access Memories",
        albumartist: Some("Daft Punk"),
        genre: &["Electronic"],
        tracks: &[
            ("Daft Punk", "Give Life Back to Music", "Daft Punk"),
            ("Daft Punk", "The Game of Love", "Daft Punk"),
            ("Daft Punk feat. Pharrell Williams", "Get Lucky", "Daft Punk"),
        ],
        ..BASE
    };
    assert_eq!(case.roles(&Rules::default()), [Role::None; 3]);
}

#[test]
fn a_soundtrack_genre_counts_beside_another_genre() {
    // Multi-valued genres ("Soundtrack; Blues") are common; which one sorts
    // first must not decide whether the album says it is a soundtrack.
    for genre in [&["Soundtrack", "Blues"][..], &["Blues", "Soundtrack"], &["Americana", "Film Score"]] {
        let case = AlbumCase {
            album: "Paris, Texas",
            albumartist: Some("Ry Cooder"),
            genre,
            tracks: &[
                ("Ry Cooder", "Paris, Texas", ""),
                ("Ry Cooder", "Brothers", ""),
                ("Ry Cooder", "Nothing Out There", ""),
            ],
            ..BASE
        };
        assert_eq!(case.roles(&Rules::default()), [Role::Score; 3], "{genre:?}");
        let alone = AlbumCase { genre: &["Blues"], ..case };
        assert_eq!(alone.roles(&Rules::default()), [Role::None; 3]);
    }
}

#[test]
fn user_rule_wins_and_says_so() {
    let case = AlbumCase {
        album: "Random Access Memories",
        albumartist: Some("Daft Punk"),
        tracks: &[("Daft Punk", "Give Life Back to Music", "")],
        ..BASE
    };
    let rules = Rules::parse("[[rule]]\nalbum = \"random access memories\"\nrole = \"song\"").unwrap();
    let tracks = case.tracks();
    let decisions = classify(&[&tracks[0]], &rules);
    assert_eq!(decisions[0].role, Role::Song);
    assert_eq!(decisions[0].confidence, 1.0);
    assert!(decisions[0].reasons()[0].contains("rule 1"), "{:?}", decisions[0].reasons());
}

#[test]
fn every_decision_explains_itself() {
    let case = AlbumCase {
        album: "Inception (Music from the Motion Picture)",
        tracks: &[("Hans Zimmer", "Half Remembered Dream", ""), ("Hans Zimmer", "Dream Is Collapsing", "")],
        ..BASE
    };
    let tracks = case.tracks();
    let refs: Vec<&Track> = tracks.iter().collect();
    for decision in classify(&refs, &Rules::default()) {
        assert_eq!(decision.role, Role::Score);
        assert!((0.0..=1.0).contains(&decision.confidence));
        let reasons = decision.reasons().join(" | ");
        assert!(reasons.contains("music from the motion picture"), "{reasons}");
        assert!(reasons.contains("lead"), "{reasons}");
    }
}

#[test]
fn decisions_do_not_depend_on_track_order() {
    let case = AlbumCase {
        album: "Titanic (Music from the Motion Picture)",
        albumartist: Some("James Horner"),
        tracks: &[
            ("James Horner", "Never an Absolution", "James Horner"),
            ("James Horner", "Distant Memories", "James Horner"),
            ("Celine Dion", "My Heart Will Go On (Love Theme from Titanic)", "James Horner"),
            ("James Horner", "Southampton", "James Horner"),
        ],
        ..BASE
    };
    let tracks = case.tracks();
    let forward: Vec<&Track> = tracks.iter().collect();
    let backward: Vec<&Track> = tracks.iter().rev().collect();
    let a = classify(&forward, &Rules::default());
    let mut b = classify(&backward, &Rules::default());
    b.reverse();
    assert_eq!(a, b);
    assert_eq!(a[2].role, Role::Song);
    assert_eq!(a[0].role, Role::Score);
}

#[test]
fn weights_print_as_the_float_formatter_does() {
    let mut values: Vec<f32> = (-300..=300).map(|t| t as f32 / 10.0).collect();
    values.extend([0.0, -0.0, 0.05, 0.15, -0.25, 1.2345, 99.95, 1e9, -1e-9, f32::NAN, f32::INFINITY]);
    for w in values {
        let mut got = String::new();
        super::push_weight(&mut got, w);
        assert_eq!(got, format!("{w:+.1}"), "{w}");
    }
}

/// The state store writes one decision per run of tracks that print alike:
/// `prints_as` must tell apart tracks whose reasons differ.
#[test]
fn decisions_print_alike_only_with_the_same_reasons() {
    let case = AlbumCase {
        album: "Star Wars (Original Motion Picture Soundtrack)",
        tracks: &[
            ("John Williams", "Imperial Attack", ""),
            ("John Williams", "The Desert and the Robot Auction", ""),
            ("John Williams", "Main Title", ""),
        ],
        ..BASE
    };
    let tracks = case.tracks();
    let refs: Vec<&Track> = tracks.iter().collect();
    let decisions = classify(&refs, &Rules::default());
    assert!(decisions[0].prints_as(&decisions[1]));
    assert_eq!(decisions[0].reasons(), decisions[1].reasons());
    // "Main Title" adds a cue-title reason.
    assert!(!decisions[1].prints_as(&decisions[2]));
    assert_ne!(decisions[1].reasons(), decisions[2].reasons());
    // The same reasons from another album (another allocation) still print alike.
    let again = classify(&refs[..1], &Rules::default());
    assert_eq!(again[0].prints_as(&decisions[0]), again[0].reasons() == decisions[0].reasons());
}

/// On a song compilation no one leads, the artist of the film's cue titles
/// is its composer: their tracks are score, the rest songs.
#[test]
fn the_artist_of_a_compilations_cue_titles_is_its_composer() {
    let case = AlbumCase {
        album: "Night Ferry (Original Motion Picture Soundtrack)",
        albumartist: Some("Various Artists"),
        tracks: &[
            ("The Lanterns", "Harbour Lights", ""),
            ("Mara Quinn", "Stay Until Morning", ""),
            ("Odd Fellows", "Neon Tide", ""),
            ("Ada Marsh", "Main Title", ""),
            ("Ada Marsh", "The Crossing", ""),
            ("Ada Marsh", "Ferry's Theme", ""),
        ],
        ..BASE
    };
    use Role::*;
    assert_eq!(case.roles(&Rules::default()), [Song, Song, Song, Score, Score, Score]);
}

/// Three artists with "Theme from ..." titles are a compilation of theme
/// songs, not three composers: nobody leads, and all stay songs.
#[test]
fn many_theme_songs_on_a_compilation_name_no_composer() {
    let case = AlbumCase {
        album: "Seventies Cinema (Original Soundtrack Hits)",
        albumartist: Some("Various Artists"),
        tracks: &[
            ("The Lanterns", "Theme from Harbour Lights", ""),
            ("Mara Quinn", "Theme from Night Ferry", ""),
            ("Odd Fellows", "Theme from Neon Tide", ""),
            ("Ray Dune", "Stay Until Morning", ""),
        ],
        ..BASE
    };
    assert_eq!(case.roles(&Rules::default()), [Role::Song; 4]);
    let tracks = case.tracks();
    let refs: Vec<&Track> = tracks.iter().collect();
    let reasons = classify(&refs, &Rules::default())[0].reasons().join(" | ");
    assert!(reasons.contains("no lead"), "{reasons}");
}

/// A concert work on a score album is pre-existing music, licensed like a
/// song; the composer's cues around it stay score.
#[test]
fn a_catalogued_concert_work_on_a_score_album_is_a_song() {
    let case = AlbumCase {
        album: "Far Country (Original Motion Picture Soundtrack)",
        tracks: &[
            ("Ada Marsh", "Main Title", ""),
            ("Ada Marsh", "Flying Over the Hills", ""),
            ("Ada Marsh", "Concerto for Clarinet and Orchestra in A (K. 622)", ""),
            ("Ada Marsh", "End Title", ""),
        ],
        ..BASE
    };
    use Role::*;
    assert_eq!(case.roles(&Rules::default()), [Score, Score, Song, Score]);
}

/// A fully tagged song compilation says "compilation" four ways (releasetype,
/// flag, Various Artists, many artists); together they count once, so the
/// composer's cues on it are still found. Of two artists who perform their
/// own music, the one with the film's cue titles is its composer.
#[test]
fn a_full_compilation_counts_its_compilation_signs_once() {
    let case = AlbumCase {
        album: "Night Ferry (Original Soundtrack)",
        albumartist: Some("Various Artists"),
        releasetype: &["compilation", "soundtrack"],
        compilation: true,
        tracks: &[
            ("Ray Dune", "Night Ferry", "Ray Dune"),
            ("Mara Quinn", "Stay Until Morning", "Mara Quinn"),
            ("Odd Fellows", "Neon Tide", "Odd Fellows"),
            ("Ada Marsh", "Main Title Theme (Night Ferry)", "Ada Marsh"),
            ("Ray Dune", "Night Ferry (Instrumental Version)", "Ray Dune"),
            ("Ada Marsh", "Lena's Theme", "Ada Marsh"),
        ],
        ..BASE
    };
    use Role::*;
    assert_eq!(case.roles(&Rules::default()), [Song, Song, Song, Score, Song, Score]);
    let tracks = case.tracks();
    let refs: Vec<&Track> = tracks.iter().collect();
    let decision = &classify(&refs, &Rules::default())[3];
    let compilation: f32 =
        decision.album_signals.iter().filter(|s| s.axis == Axis::Score && s.weight < 0.0).map(|s| s.weight).sum();
    assert_eq!(compilation, -3.0, "{:?}", decision.reasons());
    assert!(
        decision.reasons().iter().any(|r| r.contains("compilation counted at most once")),
        "{:?}",
        decision.reasons()
    );
}

/// A hummed or instrumental version of a song sung on the same album is
/// that song: a song, even when the composer leads the album.
#[test]
fn a_version_of_a_sung_song_is_a_song() {
    let case = AlbumCase {
        album: "Harbour Lights (Original Motion Picture Soundtrack)",
        albumartist: Some("Ada Marsh"),
        tracks: &[
            ("Ada Marsh", "Main Title", "Ada Marsh"),
            ("Ada Marsh", "City Lights", "Ada Marsh"),
            ("Ada Marsh", "City Lights (Humming)", "Ada Marsh"),
            ("Ada Marsh", "End Titles", "Ada Marsh"),
        ],
        ..BASE
    };
    let mut tracks = case.tracks();
    tracks[1].tags.lyrics = true;
    let refs: Vec<&Track> = tracks.iter().collect();
    let decisions = classify(&refs, &Rules::default());
    use Role::*;
    assert_eq!(decisions.iter().map(|d| d.role).collect::<Vec<_>>(), [Score, Song, Song, Score]);
    assert!(decisions[2].reasons().iter().any(|r| r.starts_with("version of a sung song: city lights")));
}
