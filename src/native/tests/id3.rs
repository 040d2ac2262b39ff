//! ID3v2/ID3v1 specifics: versions, lossy frames, flags, pairs, comments, grouping.

use lofty::config::ParseOptions;
use lofty::file::AudioFile;
use lofty::id3::v2::{CommentFrame, Frame, FrameId, TextInformationFrame};
use lofty::mpeg::MpegFile;
use lofty::tag::items::UNKNOWN_LANGUAGE;

use super::*;
use crate::native::{GroupingFrame, Id3Policy};

fn opts(id3: Id3Policy) -> NativeOptions {
    NativeOptions { id3, ..NativeOptions::default() }
}

/// The version byte in the file's ID3v2 header.
fn header_version(path: &Path) -> u8 {
    let bytes = std::fs::read(path).expect("read");
    assert_eq!(&bytes[..3], b"ID3", "{}", path.display());
    bytes[3]
}

fn frame_text(native: &NativeFile, id: &str) -> Option<String> {
    native.id3v2().and_then(|t| t.get_text(&FrameId::new(id.to_owned()).expect("id"))).map(String::from)
}

#[test]
fn v23_stays_v23_with_keep_and_becomes_v24_with_v24() {
    let copy = temp_copy("formats/id3v23.mp3");
    edit(&copy.path, &opts(Id3Policy::Keep), |n| {
        n.set(Field::ReleaseType, &strings(&["album", "soundtrack"]), &opts(Id3Policy::Keep))
    });
    assert_eq!(header_version(&copy.path), 3);
    let native = read(&copy.path);
    assert_eq!(native.id3v2_version(), Some("2.3"));
    assert_eq!(native.get(Field::ReleaseType), ["album", "soundtrack"], "a v2.3 list stays a list");
    assert_eq!(native.get(Field::Title), ["Fixture ID3v2.3"]);

    edit(&copy.path, &opts(Id3Policy::V24), |_| {});
    assert_eq!(header_version(&copy.path), 4);
    assert_eq!(read(&copy.path).get(Field::ReleaseType), ["album", "soundtrack"]);
}

#[test]
fn v24_becomes_v23_on_request_and_new_tags_are_v24() {
    let copy = temp_copy("formats/id3v24.mp3");
    edit(&copy.path, &opts(Id3Policy::V23), |n| {
        n.set(Field::Genre, &strings(&["Soundtrack", "Film Score"]), &opts(Id3Policy::V23))
    });
    assert_eq!(header_version(&copy.path), 3);
    assert_eq!(read(&copy.path).get(Field::Genre), ["Soundtrack", "Film Score"]);

    let fresh = temp_copy("formats/id3v1.mp3");
    edit(&fresh.path, &opts(Id3Policy::Keep), |n| n.set(Field::Grouping, &strings(&["Score"]), &opts(Id3Policy::Keep)));
    assert_eq!(header_version(&fresh.path), 4);
}

#[test]
fn v23_write_refuses_frames_lofty_would_drop() {
    let copy = temp_copy("formats/id3v23.mp3");
    let mut native = read(&copy.path);
    let sort =
        TextInformationFrame::new(FrameId::new("TSOP").expect("id"), lofty::TextEncoding::UTF8, "Williams, John");
    native.id3v2_mut().expect("tag").insert(Frame::Text(sort));
    native.set(Field::Grouping, &strings(&["Score"]), &opts(Id3Policy::Keep));
    assert_eq!(native.id3v2_write_losses(&opts(Id3Policy::Keep)), ["TSOP"]);
    assert!(native.id3v2_write_losses(&opts(Id3Policy::V24)).is_empty());

    let mut file = OpenOptions::new().read(true).write(true).open(&copy.path).expect("open");
    let err = native.save_to(&mut file, &opts(Id3Policy::Keep)).expect_err("v2.3 would drop TSOP");
    assert!(crate::error::error_chain(&err).contains("TSOP"), "{err}");
    drop(file);
    assert!(read(&copy.path).get(Field::Grouping).is_empty(), "file untouched");

    save(&native, &copy.path, &opts(Id3Policy::V24));
    let native = read(&copy.path);
    assert_eq!(frame_text(&native, "TSOP").as_deref(), Some("Williams, John"));
    assert_eq!(native.get(Field::Grouping), ["Score"]);
    assert_eq!(native.id3v2_version(), Some("2.4"));
}

/// An ID3v2.4 tag whose TIT2 frame carries a data length indicator.
fn mp3_with_dli_frame(path: &Path) {
    fn synchsafe(n: usize) -> [u8; 4] {
        [(n >> 21) as u8 & 0x7f, (n >> 14) as u8 & 0x7f, (n >> 7) as u8 & 0x7f, n as u8 & 0x7f]
    }
    let body = b"\x03Title with DLI";
    let mut frame = b"TIT2".to_vec();
    frame.extend(synchsafe(body.len() + 4));
    frame.extend([0x00, 0x01]); // data length indicator flag
    frame.extend(synchsafe(body.len()));
    frame.extend(body);
    let mut file = b"ID3\x04\x00\x00".to_vec();
    file.extend(synchsafe(frame.len()));
    file.extend(frame);
    let audio = std::fs::read(path).expect("read");
    file.extend(&audio[..audio.len() - 128]); // id3v1.mp3 without its ID3v1 tag
    std::fs::write(path, file).expect("write");
}

#[test]
fn frames_with_a_data_length_indicator_survive_a_save() {
    let copy = temp_copy("formats/id3v1.mp3");
    mp3_with_dli_frame(&copy.path);
    edit(&copy.path, &opts(Id3Policy::Keep), |n| n.set(Field::Grouping, &strings(&["Score"]), &opts(Id3Policy::Keep)));
    // Plain lofty must parse the result too.
    let mut file = File::open(&copy.path).expect("open");
    let mpeg = MpegFile::read_from(&mut file, ParseOptions::new()).expect("lofty parses the saved file");
    let title = mpeg.id3v2().and_then(|t| t.get_text(&FrameId::new("TIT2").expect("id"))).map(String::from);
    assert_eq!(title.as_deref(), Some("Title with DLI"));
}

#[test]
fn grouping_frame_policy() {
    for (policy, tit1, grp1) in [
        (GroupingFrame::Tit1, Some("Score"), None),
        (GroupingFrame::Grp1, None, Some("Score")),
        (GroupingFrame::Both, Some("Score"), Some("Score")),
    ] {
        let copy = temp_copy("formats/id3v24.mp3");
        let options = NativeOptions { grouping_frame: policy, ..NativeOptions::default() };
        // Start with both frames holding an old value.
        edit(&copy.path, &NativeOptions { grouping_frame: GroupingFrame::Both, ..options }, |n| {
            n.set(
                Field::Grouping,
                &strings(&["Old"]),
                &NativeOptions { grouping_frame: GroupingFrame::Both, ..options },
            )
        });
        edit(&copy.path, &options, |n| n.set(Field::Grouping, &strings(&["Score"]), &options));
        let native = read(&copy.path);
        assert_eq!(frame_text(&native, "TIT1").as_deref(), tit1, "{policy:?}");
        assert_eq!(frame_text(&native, "GRP1").as_deref(), grp1, "{policy:?}");
        assert_eq!(native.get(Field::Grouping), ["Score"]);
    }
}

#[test]
fn soundtrack_role_removal_leaves_no_empty_txxx() {
    let copy = temp_copy("formats/id3v23.mp3");
    let options = opts(Id3Policy::Keep);
    edit(&copy.path, &options, |n| n.set(Field::SoundtrackRole, &strings(&["song"]), &options));
    assert_eq!(read(&copy.path).get(Field::SoundtrackRole), ["song"]);
    edit(&copy.path, &options, |n| n.set(Field::SoundtrackRole, &[], &options));
    let native = read(&copy.path);
    let txxx = native.id3v2().expect("tag").iter().filter(|f| f.id_str() == "TXXX").count();
    assert_eq!(txxx, 0);
}

#[test]
fn id3v1_follows_the_new_values() {
    let copy = temp_copy("formats/id3v1.mp3");
    let native = read(&copy.path);
    // An ID3v1-only file reads through a primary tag seeded from ID3v1.
    assert_eq!(native.get(Field::Title), ["Fixture ID3v1"]);
    assert_eq!(native.get(Field::Track), ["1"]);
    let options = opts(Id3Policy::Keep);
    edit(&copy.path, &options, |n| {
        n.set(Field::Title, &strings(&["Symphony No. 5 in C minor, Op. 67: I. Allegro con brio"]), &options);
        n.set(Field::Artist, &strings(&["Берлинер", "Karajan"]), &options);
        n.set(Field::Date, &strings(&["1962-03-01"]), &options);
        n.set(Field::Genre, &strings(&["Classical"]), &options);
    });
    let native = read(&copy.path);
    let v1 = native.id3v1().expect("ID3v1 kept");
    assert_eq!(v1.title.as_deref(), Some("Symphony No. 5 in C minor, Op."));
    assert_eq!(v1.artist.as_deref(), Some("????????; Karajan"));
    assert_eq!((v1.year, v1.track_number), (Some(1962), Some(1)));
    assert_eq!(v1.genre.map(|g| lofty::id3::v1::GENRES[usize::from(g)]), Some("Classical"));
    // The new ID3v2 tag has the full values, and ID3v1's album and track.
    assert_eq!(native.get(Field::Artist), ["Берлинер", "Karajan"]);
    assert_eq!(native.get(Field::Album), ["Fixture Album"]);
    assert_eq!(native.id3v2_version(), Some("2.4"));
}

#[test]
fn described_comments_are_left_alone() {
    let copy = temp_copy("formats/id3v24.mp3");
    let options = opts(Id3Policy::Keep);
    edit(&copy.path, &options, |n| {
        let norm = CommentFrame::new(lofty::TextEncoding::Latin1, *b"eng", "iTunNORM", " 00000A00");
        n.id3v2_mut().expect("tag").insert(Frame::Comment(norm));
        n.set(Field::Comment, &strings(&["first"]), &options);
        n.set(Field::Comment, &strings(&["second"]), &options);
    });
    let native = read(&copy.path);
    assert_eq!(native.get(Field::Comment), ["second"]);
    let comments: Vec<(String, [u8; 3])> = native
        .id3v2()
        .expect("tag")
        .iter()
        .filter_map(|f| if let Frame::Comment(c) = f { Some((c.description.to_string(), c.language)) } else { None })
        .collect();
    assert_eq!(comments.len(), 2);
    assert!(comments.contains(&("iTunNORM".into(), *b"eng")));
    assert!(comments.contains(&(String::new(), UNKNOWN_LANGUAGE)));
    edit(&copy.path, &options, |n| n.set(Field::Comment, &[], &options));
    assert_eq!(read(&copy.path).id3v2().expect("tag").comments().count(), 0);
    assert!(read(&copy.path).id3v2().expect("tag").iter().any(|f| matches!(f, Frame::Comment(_))));
}

#[test]
fn track_and_total_share_trck() {
    let copy = temp_copy("formats/id3v24.mp3");
    let options = opts(Id3Policy::Keep);
    edit(&copy.path, &options, |n| n.set(Field::TrackTotal, &strings(&["12"]), &options));
    assert_eq!(frame_text(&read(&copy.path), "TRCK").as_deref(), Some("1/12"));
    edit(&copy.path, &options, |n| n.set(Field::Track, &strings(&["03"]), &options));
    assert_eq!(frame_text(&read(&copy.path), "TRCK").as_deref(), Some("3/12"));
    edit(&copy.path, &options, |n| n.set(Field::Track, &[], &options));
    let native = read(&copy.path);
    assert_eq!(frame_text(&native, "TRCK").as_deref(), Some("0/12"));
    assert_eq!((native.get(Field::Track), native.get(Field::TrackTotal)), (vec![], strings(&["12"])));
    edit(&copy.path, &options, |n| n.set(Field::TrackTotal, &[], &options));
    assert_eq!(frame_text(&read(&copy.path), "TRCK"), None);
}

#[test]
fn dates_are_always_timestamp_frames() {
    let copy = temp_copy("library/Daft Punk/Random Access Memories/08 Get Lucky.mp3");
    let options = opts(Id3Policy::Keep);
    edit(&copy.path, &options, |n| n.set(Field::Date, &strings(&["2013-05-17"]), &options));
    let native = read(&copy.path);
    assert_eq!(native.get(Field::Date), ["2013-05-17"], "v2.3 TYER+TDAT round trip");
    assert!(matches!(native.id3v2().expect("tag").get(&FrameId::new("TDRC").expect("id")), Some(Frame::Timestamp(_))));

    // Not ISO 8601: stored as the timestamp lofty reads it as, or just its year.
    for (value, stored) in [("2013.05.17", "2013-05-17"), ("2013 (reissue)", "2013"), ("1977-5-25", "1977-05-25")] {
        edit(&copy.path, &options, |n| n.set(Field::Date, &strings(&[value]), &options));
        assert_eq!(read(&copy.path).get(Field::Date), [stored], "{value}");
    }
    // No year at all: not written, the old date stays (lofty cannot re-read a text TDRC).
    edit(&copy.path, &options, |n| n.set(Field::Date, &strings(&["unknown"]), &options));
    assert_eq!(read(&copy.path).get(Field::Date), ["1977-05-25"]);
    assert!(lofty::read_from_path(&copy.path).is_ok());
}
