//! The sample library (fixtures/README.md section 2): each album's roles and
//! the multi-valued tags the fixtures carry.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::util::{Run, copy_dir, fixtures, scan_jsonl, tag, temp};

const STAR_WARS: &str = "John Williams/Star Wars (Original Motion Picture Soundtrack)/";
const GUARDIANS: &str =
    "Various Artists/Guardians of the Galaxy Awesome Mix Vol. 1 (Original Motion Picture Soundtrack)/";
const DRIVE: &str = "Various Artists/Drive (Original Motion Picture Soundtrack)/";
const DAFT_PUNK: &str = "Daft Punk/Random Access Memories/";
const BEETHOVEN: &str = "Berliner Philharmoniker/Beethoven - Symphony No. 5/";
const INTERSTELLAR: &str = "Hans Zimmer/Interstellar/";

fn scan_library() -> (Run, BTreeMap<String, Value>) {
    let dir = temp();
    copy_dir(&fixtures().join("library"), dir.path());
    let run = scan_jsonl(dir.path(), &[]);
    let records = run.by_path(dir.path());
    (run, records)
}

fn in_folder<'a>(records: &'a BTreeMap<String, Value>, folder: &str) -> Vec<(&'a str, &'a Value)> {
    records.iter().filter(|(path, _)| path.starts_with(folder)).map(|(p, r)| (p.as_str(), r)).collect()
}

#[track_caller]
fn assert_role(path: &str, record: &Value, role: &str) {
    assert_eq!(record["role"], role, "{path}: {record}");
}

#[test]
fn every_library_album_gets_its_roles() {
    let (run, records) = scan_library();
    run.assert_code(0);
    assert_eq!(records.len(), 44, "44 tracks\n{run}");
    assert_eq!(run.skipped(), 7, "4 covers, a cue sheet, a rip log and an .nfo\n{run}");
    assert!(records.values().all(|r| r.get("tags").is_some()), "every track read\n{run}");

    let star_wars = in_folder(&records, STAR_WARS);
    assert_eq!(star_wars.len(), 8);
    for (path, record) in star_wars {
        assert_role(path, record, "score");
    }

    let guardians = in_folder(&records, GUARDIANS);
    assert_eq!(guardians.len(), 8);
    for (path, record) in guardians {
        assert_role(path, record, "song");
    }

    // Drive: Cliff Martinez's cues are score, the licensed songs are songs.
    let drive = in_folder(&records, DRIVE);
    assert_eq!(drive.len(), 8);
    for (path, record) in drive {
        let artists: Vec<&str> =
            tag(record, "artist").as_array().expect("artists").iter().filter_map(Value::as_str).collect();
        let by_martinez = artists.iter().any(|a| a.contains("Cliff Martinez"));
        let song_artist = ["Kavinsky", "College", "Desire", "Chromatics"];
        assert!(
            by_martinez || artists.iter().any(|a| song_artist.iter().any(|s| a.contains(s))),
            "{path}: {artists:?}"
        );
        assert_role(path, record, if by_martinez { "score" } else { "song" });
    }

    let daft_punk = in_folder(&records, DAFT_PUNK);
    assert_eq!(daft_punk.len(), 7);
    for (path, record) in daft_punk {
        assert_role(path, record, "none");
    }

    let beethoven = in_folder(&records, BEETHOVEN);
    assert_eq!(beethoven.len(), 4);
    for (path, record) in beethoven {
        assert_role(path, record, "none");
    }

    let interstellar = in_folder(&records, INTERSTELLAR);
    assert_eq!(interstellar.len(), 9);
    for (path, record) in &interstellar {
        assert_role(path, record, "score");
        let confidence = record["confidence"].as_f64().unwrap_or_else(|| panic!("{path}: confidence: {record}"));
        assert!((0.0..=1.0).contains(&confidence), "{path}: {record}");
    }
}

/// CD1 and CD2 are one album: every track gets the same album-level
/// decision, and the album counts all nine tracks ("N of 9 tracks" in the
/// reasons) rather than five or four.
#[test]
fn interstellar_discs_are_one_album() {
    let (run, records) = scan_library();
    run.assert_code(0);
    let interstellar = in_folder(&records, INTERSTELLAR);
    assert_eq!(interstellar.len(), 9);
    let (first_path, first) = interstellar[0];
    for (path, record) in &interstellar {
        assert_eq!(record["confidence"], first["confidence"], "{path} vs {first_path}");
        assert_eq!(record["reasons"], first["reasons"], "{path} vs {first_path}");
    }
    let reasons: Vec<&str> = first["reasons"].as_array().expect("reasons").iter().filter_map(Value::as_str).collect();
    assert!(reasons.iter().any(|r| r.contains("of 9 tracks")), "the album has 9 tracks: {reasons:?}");
    assert!(!reasons.iter().any(|r| r.contains("of 5 tracks") || r.contains("of 4 tracks")), "{reasons:?}");
}

#[test]
fn record_shape_follows_the_contract() {
    let (run, records) = scan_library();
    run.assert_code(0);
    let fields = [
        "title",
        "artist",
        "album",
        "albumartist",
        "composer",
        "genre",
        "track",
        "track_total",
        "disc",
        "disc_total",
        "date",
        "grouping",
        "comment",
        "releasetype",
        "compilation",
        "lyrics",
    ];
    for (path, record) in &records {
        let object = record.as_object().expect("an object");
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys, ["path", "format", "tag_types", "tags", "role", "confidence", "reasons"], "{path}");
        let tags: Vec<&str> = record["tags"].as_object().expect("tags").keys().map(String::as_str).collect();
        assert_eq!(tags, fields, "{path}");
        assert!(["score", "song", "none"].contains(&record["role"].as_str().unwrap_or("")), "{path}: {record}");
        assert!(record["confidence"].as_f64().is_some_and(|c| (0.0..=1.0).contains(&c)), "{path}: {record}");
        let reasons = record["reasons"].as_array().unwrap_or_else(|| panic!("{path}: reasons: {record}"));
        assert!(!reasons.is_empty() && reasons.iter().all(Value::is_string), "{path}: {record}");
        // Lists are lists or null, never empty.
        for list in ["artist", "composer", "genre", "releasetype"] {
            let value = tag(record, list);
            assert!(
                value.is_null() || value.as_array().is_some_and(|a| !a.is_empty()),
                "{path}: {list} is a non-empty list or null: {value}"
            );
        }
    }
}

#[test]
fn library_tags_come_back_as_written() {
    let (run, records) = scan_library();
    run.assert_code(0);
    let get = |rel: &str| records.get(rel).unwrap_or_else(|| panic!("{rel} not reported\n{run}"));

    // FLAC: repeated RELEASETYPE fields; ARTIST one string (wins over ARTISTS).
    let main_title = get(&format!("{STAR_WARS}01 Main Title.flac"));
    assert_eq!(main_title["format"], "flac");
    assert_eq!(tag(main_title, "title"), "Main Title");
    assert_eq!(tag(main_title, "artist"), &json!(["John Williams; London Symphony Orchestra"]));
    assert_eq!(tag(main_title, "albumartist"), "John Williams");
    assert_eq!(tag(main_title, "releasetype"), &json!(["album", "soundtrack"]));
    assert_eq!(tag(main_title, "composer"), &json!(["John Williams"]));
    assert_eq!((tag(main_title, "track"), tag(main_title, "track_total")), (&json!(1), &json!(16)));
    assert_eq!(tag(main_title, "date"), "1977");

    // ID3v2.4: NUL-separated TPE1, TCON and TXXX values are lists; TCMP=1.
    let mountain = get(&format!("{GUARDIANS}12 Ain't No Mountain High Enough.mp3"));
    assert_eq!(tag(mountain, "artist"), &json!(["Marvin Gaye", "Tammi Terrell"]));
    assert_eq!(tag(mountain, "genre"), &json!(["Soundtrack", "Rock"]));
    assert_eq!(tag(mountain, "releasetype"), &json!(["compilation", "soundtrack"]));
    assert_eq!(tag(mountain, "compilation"), true);
    assert_eq!((tag(mountain, "track"), tag(mountain, "track_total")), (&json!(12), &json!(12)));
    assert_eq!((tag(mountain, "disc"), tag(mountain, "disc_total")), (&json!(1), &json!(1)));
    assert!(tag(mountain, "composer").as_array().is_some_and(|c| c.len() >= 2), "{mountain}");

    // A non-ASCII (NFC) file name and title.
    let escape = get(&format!("{GUARDIANS}10 Escape (The Pi\u{f1}a Colada Song).mp3"));
    assert_eq!(tag(escape, "title"), "Escape (The Pi\u{f1}a Colada Song)");

    // MP4: freeform atom with two data atoms; no cpil.
    let nightcall = get(&format!("{DRIVE}01 Nightcall.m4a"));
    assert_eq!(nightcall["format"], "mp4");
    assert_eq!(tag(nightcall, "releasetype"), &json!(["album", "soundtrack"]));
    assert_eq!(tag(nightcall, "albumartist"), "Various Artists");
    assert!(tag(nightcall, "composer").is_null(), "{nightcall}");
    assert!(tag(nightcall, "compilation").is_null() || tag(nightcall, "compilation") == false, "{nightcall}");
    assert_eq!((tag(nightcall, "track"), tag(nightcall, "track_total")), (&json!(1), &json!(19)));

    // ID3v2.3 with TYER.
    let get_lucky = get(&format!("{DAFT_PUNK}08 Get Lucky.mp3"));
    assert_eq!(tag(get_lucky, "date"), "2013");
    assert_eq!(tag(get_lucky, "releasetype"), &json!(["album"]));

    // Vorbis: the album tag differs from the folder name.
    let allegro = get(&format!("{BEETHOVEN}01 Symphony No. 5 in C minor, Op. 67 - I. Allegro con brio.ogg"));
    assert_eq!(allegro["format"], "vorbis");
    assert_eq!(tag(allegro, "album"), "Beethoven: Symphony No. 5");
    assert_eq!(tag(allegro, "title"), "Symphony No. 5 in C minor, Op. 67: I. Allegro con brio");

    // Sparse: only title, artist, album, track.
    let stay = get(&format!("{INTERSTELLAR}CD1/05 Stay.mp3"));
    assert_eq!(tag(stay, "track"), 5);
    for field in ["albumartist", "genre", "composer", "date", "disc", "releasetype", "track_total"] {
        assert!(tag(stay, field).is_null(), "{field}: {stay}");
    }
}
