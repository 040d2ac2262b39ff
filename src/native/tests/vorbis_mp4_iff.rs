//! Vorbis, MP4 and RIFF/AIFF specifics.

use lofty::mp4::{AtomData, AtomIdent};

use super::region::iff_chunks;
use super::*;

fn vorbis_items(native: &NativeFile) -> Vec<(String, String)> {
    let tag = match &native.file {
        Concrete::Flac(f) => f.vorbis_comments().expect("comments"),
        Concrete::Vorbis(f) => f.vorbis_comments(),
        _ => panic!("not a Vorbis comments file"),
    };
    tag.items().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

#[test]
fn vorbis_total_inside_tracknumber_moves_to_tracktotal() {
    let copy = temp_copy("formats/sample.flac");
    let options = NativeOptions::default();
    edit(&copy.path, &options, |n| {
        let tag = n.primary_mut();
        tag.write("TRACKNUMBER", &strings(&["3/12"]));
    });
    let native = read(&copy.path);
    assert_eq!((native.get(Field::Track), native.get(Field::TrackTotal)), (strings(&["3"]), strings(&["12"])));
    edit(&copy.path, &options, |n| n.set(Field::Track, &strings(&["4"]), &options));
    let items = vorbis_items(&read(&copy.path));
    assert!(items.contains(&("TRACKNUMBER".into(), "4".into())), "{items:?}");
    assert!(items.contains(&("TRACKTOTAL".into(), "12".into())), "{items:?}");
}

#[test]
fn vorbis_items_not_set_stay_byte_for_byte() {
    let copy = temp_copy("library/John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac");
    let options = NativeOptions::default();
    // Zero-padded pairs, which lofty's implicit conversions would rewrite as "1" + TOTAL.
    edit(&copy.path, &options, |n| {
        let Concrete::Flac(f) = &mut n.file else { panic!("flac") };
        let tag = f.vorbis_comments_mut().expect("comments");
        tag.insert("TRACKNUMBER".into(), "01".into());
        tag.insert("DISCNUMBER".into(), "01/02".into());
    });
    let before = vorbis_items(&read(&copy.path));
    assert!(before.iter().any(|(k, v)| k == "DISCNUMBER" && v == "01/02"), "{before:?}");
    edit(&copy.path, &options, |n| n.set(Field::Grouping, &strings(&["Score"]), &options));
    let mut expected = before;
    expected.push(("GROUPING".into(), "Score".into()));
    assert_eq!(vorbis_items(&read(&copy.path)), expected);
}

#[test]
fn vorbis_aliases_are_replaced_and_order_kept() {
    let copy = temp_copy("library/John Williams/Star Wars (Original Motion Picture Soundtrack)/01 Main Title.flac");
    let options = NativeOptions::default();
    let before = vorbis_items(&read(&copy.path));
    edit(&copy.path, &options, |n| n.set(Field::Artist, &strings(&["John Williams", "LSO"]), &options));
    let after = vorbis_items(&read(&copy.path));
    // ARTIST took the place of the old ARTIST; ARTISTS (an alias read for artist) is gone.
    let expected: Vec<(String, String)> = before
        .iter()
        .flat_map(|(k, v)| match k.as_str() {
            "ARTIST" => vec![("ARTIST".to_string(), "John Williams".to_string()), ("ARTIST".into(), "LSO".into())],
            "ARTISTS" => vec![],
            _ => vec![(k.clone(), v.clone())],
        })
        .collect();
    assert_eq!(after, expected);
}

#[test]
fn flac_keeps_an_id3v2_tag_in_front_untouched() {
    let copy = temp_copy("formats/sample.flac");
    let mut id3 = b"ID3\x04\x00\x00\x00\x00\x00\x10TIT2\x00\x00\x00\x06\x00\x00\x03Front".to_vec();
    let flac = std::fs::read(&copy.path).expect("read");
    id3.extend(&flac);
    std::fs::write(&copy.path, &id3).expect("write");
    let options = NativeOptions::default();
    let native = read(&copy.path);
    assert_eq!(native.id3v2_version(), Some("2.4"));
    assert_eq!(native.format(), "flac");
    edit(&copy.path, &options, |n| n.set(Field::Grouping, &strings(&["Score"]), &options));
    let bytes = std::fs::read(&copy.path).expect("read");
    assert_eq!(&bytes[..26], &id3[..26], "ID3v2 in front kept byte for byte");
    assert_eq!(read(&copy.path).get(Field::Grouping), ["Score"]);
}

#[test]
fn flac_vendor_string_is_kept() {
    let copy = temp_copy("formats/sample.flac");
    let options = NativeOptions::default();
    edit(&copy.path, &options, |n| n.set(Field::Grouping, &strings(&["Score"]), &options));
    let native = read(&copy.path);
    let Concrete::Flac(f) = &native.file else { panic!("flac") };
    assert_eq!(f.vorbis_comments().expect("comments").vendor(), "ffmpeg");
}

#[test]
fn mp4_pairs_flags_and_lists() {
    let copy = temp_copy("formats/sample.m4a");
    let options = NativeOptions::default();
    edit(&copy.path, &options, |n| {
        n.set(Field::TrackTotal, &strings(&["12"]), &options);
        n.set(Field::DiscTotal, &strings(&["2"]), &options);
        n.set(Field::Compilation, &strings(&["1"]), &options);
        n.set(Field::Artist, &strings(&["A", "B"]), &options);
    });
    let native = read(&copy.path);
    let Concrete::Mp4(f) = &native.file else { panic!("mp4") };
    let ilst = f.ilst().expect("ilst");
    let raw = |ident: [u8; 4]| match ilst.get(&AtomIdent::Fourcc(ident)).and_then(|a| a.data().next()) {
        Some(AtomData::Unknown { data, .. }) => data.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(raw(*b"trkn"), [0, 0, 0, 1, 0, 12, 0, 0]);
    assert_eq!(raw(*b"disk"), [0, 0, 0, 0, 0, 2]);
    assert!(ilst.is_compilation());
    assert_eq!(ilst.get(&AtomIdent::Fourcc(*b"\xa9ART")).expect("artist").data().count(), 2);
    assert_eq!(native.get(Field::Disc), Vec::<String>::new());
    assert_eq!(native.get(Field::DiscTotal), ["2"]);
    edit(&copy.path, &options, |n| n.set(Field::Compilation, &strings(&["0"]), &options));
    assert_eq!(read(&copy.path).get(Field::Compilation), ["0"]);
}

fn riff_size_matches(path: &Path) {
    let bytes = std::fs::read(path).expect("read");
    let raw: [u8; 4] = bytes[4..8].try_into().expect("4 bytes");
    let size = if bytes.starts_with(b"FORM") { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) };
    assert_eq!(size as usize + 8, bytes.len(), "{}: container size", path.display());
}

#[test]
fn wav_keeps_riff_info_and_the_id3_chunk_name() {
    let copy = temp_copy("formats/sample.wav");
    let list_before = iff_chunks(&copy.path, b"LIST");
    assert_eq!(list_before.len(), 1);
    assert_eq!(iff_chunks(&copy.path, b"id3 ").len(), 1);
    let options = NativeOptions::default();
    edit(&copy.path, &options, |n| n.set(Field::SoundtrackRole, &strings(&["score"]), &options));
    assert_eq!(iff_chunks(&copy.path, b"LIST"), list_before);
    assert_eq!(iff_chunks(&copy.path, b"id3 ").len(), 1);
    assert!(iff_chunks(&copy.path, b"ID3 ").is_empty());
    riff_size_matches(&copy.path);
    let native = read(&copy.path);
    assert_eq!(native.get(Field::SoundtrackRole), ["score"]);
    assert_eq!(native.id3v2_version(), Some("2.3"));
}

#[test]
fn aiff_keeps_text_chunks() {
    let copy = temp_copy("formats/sample.aiff");
    let (name, auth) = (iff_chunks(&copy.path, b"NAME"), iff_chunks(&copy.path, b"AUTH"));
    assert_eq!((name.len(), auth.len()), (1, 1));
    let options = NativeOptions::default();
    edit(&copy.path, &options, |n| n.set(Field::SoundtrackRole, &strings(&["song"]), &options));
    assert_eq!((iff_chunks(&copy.path, b"NAME"), iff_chunks(&copy.path, b"AUTH")), (name, auth));
    assert_eq!(iff_chunks(&copy.path, b"ID3 ").len(), 1);
    riff_size_matches(&copy.path);
    assert_eq!(read(&copy.path).get(Field::SoundtrackRole), ["song"]);
}

#[test]
fn wav_without_id3_gets_one() {
    let copy = temp_copy("formats/sample.wav");
    let options = NativeOptions::default();
    // Strip the id3 chunk (it is last), fixing the RIFF size.
    let mut bytes = std::fs::read(&copy.path).expect("read");
    let id3 = iff_chunks(&copy.path, b"id3 ").remove(0);
    let padded = id3.len() + id3.len() % 2;
    bytes.truncate(bytes.len() - padded);
    let size = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&size.to_le_bytes());
    std::fs::write(&copy.path, &bytes).expect("write");
    assert!(read(&copy.path).id3v2_version().is_none());

    edit(&copy.path, &options, |n| n.set(Field::Grouping, &strings(&["Score"]), &options));
    riff_size_matches(&copy.path);
    let native = read(&copy.path);
    assert_eq!(native.get(Field::Grouping), ["Score"]);
    assert_eq!(native.id3v2_version(), Some("2.4"));
    assert_eq!(iff_chunks(&copy.path, b"ID3 ").len(), 1, "a new chunk uses lofty's `ID3 `");
}
