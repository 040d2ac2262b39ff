//! Tests on copies of the committed fixtures (`fixtures/formats`, `fixtures/library`),
//! plus two formats those lack, in `data/`: `sample.aac` (ADTS) and `sample.spx`
//! (Ogg Speex), made like the fixtures (0.2 s of a 440 Hz tone, 16 kHz mono,
//! byte-for-byte reproducible):
//!
//! ```text
//! ffmpeg -nostdin -y -f lavfi -i 'aevalsrc=0.03*sin(2*PI*440*t):s=16000:c=mono' -t 0.2 \
//!   -fflags +bitexact -flags +bitexact -map_metadata -1 -c:a aac -b:a 16k -f adts sample.aac
//! ffmpeg (same input options) -c:a libspeex sample.spx
//! ```

mod id3;
mod region;
mod roundtrip;
mod vorbis_mp4_iff;

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use lofty::ape::ApeItem;
use lofty::id3::v2::Frame;
use lofty::mp4::{Atom, AtomData, AtomIdent};
use lofty::ogg::OggPictureStorage;
use lofty::picture::{MimeType, Picture, PictureType};
use lofty::tag::{ItemValue, TagExt};

use super::{Concrete, NativeFile, NativeOptions};
use crate::fields::{FIELDS, Field, Kind};

/// A fixture copied into a temporary directory (removed on drop).
pub(super) struct TempCopy {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

/// Copies `fixtures/<fixture>`, or `src/native/tests/data/<name>` for a `data/<name>` fixture.
pub(super) fn temp_copy(fixture: &str) -> TempCopy {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = match fixture.strip_prefix("data/") {
        Some(name) => root.join("src/native/tests/data").join(name),
        None => root.join("fixtures").join(fixture),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(source.file_name().expect("file name"));
    std::fs::copy(&source, &path).unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
    TempCopy { _dir: dir, path }
}

pub(super) fn read(path: &Path) -> NativeFile {
    let file = File::open(path).expect("open");
    NativeFile::read_from(&mut crate::window::WindowReader::new(file))
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub(super) fn save(native: &NativeFile, path: &Path, options: &NativeOptions) {
    let mut file = OpenOptions::new().read(true).write(true).open(path).expect("open rw");
    native.save_to(&mut file, options).unwrap_or_else(|e| panic!("save {}: {e}", path.display()));
}

/// Reads, applies `edit`, saves with `options`.
pub(super) fn edit(path: &Path, options: &NativeOptions, edit: impl FnOnce(&mut NativeFile)) {
    let mut native = read(path);
    edit(&mut native);
    save(&native, path, options);
}

pub(super) fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// A value for every writable field; lists get two values, text is not Latin-1.
pub(super) fn sample_values() -> Vec<(Field, Vec<String>)> {
    FIELDS
        .iter()
        .filter(|spec| spec.kind != Kind::Presence)
        .map(|spec| {
            let values: &[&str] = match spec.field {
                Field::Title => &["Main Title — Café ♪"],
                Field::Artist => &["John Williams", "London Symphony Orchestra"],
                Field::Album => &["Star Wars (Original Motion Picture Soundtrack)"],
                Field::AlbumArtist => &["John Williams"],
                Field::Composer => &["John Williams", "Alfred Newman"],
                Field::Genre => &["Soundtrack", "Film Score"],
                Field::Track => &["3"],
                Field::TrackTotal => &["16"],
                Field::Disc => &["1"],
                Field::DiscTotal => &["2"],
                Field::Date => &["1977-05-25"],
                Field::Grouping => &["Score"],
                Field::Comment => &["Set by reeltag"],
                Field::Compilation => &["1"],
                Field::ReleaseType => &["album", "soundtrack"],
                Field::SoundtrackRole => &["score"],
                Field::Lyrics => unreachable!("filtered"),
            };
            (spec.field, strings(values))
        })
        .collect()
}

/// Every field's values, in table order.
pub(super) fn snapshot(native: &NativeFile) -> Vec<(Field, Vec<String>)> {
    FIELDS.iter().map(|spec| (spec.field, native.get(spec.field))).collect()
}

pub(super) const UNKNOWN_VALUE: &str = "keep me";

/// A test picture (the bytes need not be a real image for any format here).
pub(super) fn test_picture() -> Picture {
    let data: Vec<u8> = (0u8..=255).cycle().take(700).collect();
    Picture::unchecked(data).pic_type(PictureType::CoverFront).mime_type(MimeType::Png).build()
}

/// Adds, through lofty's native API, one item reeltag does not know and one picture.
pub(super) fn add_unknown_and_picture(native: &mut NativeFile) {
    native.primary_mut(); // create the primary tag if missing
    match &mut native.file {
        Concrete::Flac(f) => {
            f.vorbis_comments_mut().expect("created").push("MY_FIELD".into(), UNKNOWN_VALUE.into());
            f.insert_picture(test_picture(), None).expect("picture");
        }
        Concrete::Vorbis(f) => add_vorbis(f.vorbis_comments_mut()),
        Concrete::Opus(f) => add_vorbis(f.vorbis_comments_mut()),
        Concrete::Speex(f) => add_vorbis(f.vorbis_comments_mut()),
        Concrete::Mp4(f) => {
            let ilst = f.ilst_mut().expect("created");
            let ident = AtomIdent::Freeform { mean: "com.apple.iTunes".into(), name: "MY_FIELD".into() };
            ilst.insert(Atom::new(ident, AtomData::UTF8(UNKNOWN_VALUE.into())));
            ilst.insert_picture(test_picture());
        }
        Concrete::Ape(_) | Concrete::WavPack(_) | Concrete::Mpc(_) => {
            let ape = native.ape_mut().expect("created");
            ape.insert(ApeItem::new("MY_FIELD".into(), ItemValue::Text(UNKNOWN_VALUE.into())).expect("item"));
            let cover = ItemValue::Binary(test_picture().as_ape_bytes());
            ape.insert(ApeItem::new("Cover Art (Front)".into(), cover).expect("item"));
        }
        _ => {
            let tag = native.id3v2_mut().expect("created");
            tag.insert_user_text("MY_FIELD".into(), UNKNOWN_VALUE.into());
            tag.insert_picture(test_picture());
        }
    }
}

fn add_vorbis(tag: &mut lofty::ogg::tag::VorbisComments) {
    tag.push("MY_FIELD".into(), UNKNOWN_VALUE.into());
    tag.insert_picture(test_picture(), None).expect("picture");
}

/// The unknown item's values, read through lofty's native API.
pub(super) fn unknown(native: &NativeFile) -> Vec<String> {
    match &native.file {
        Concrete::Flac(f) => f.vorbis_comments().map(|t| t.get_all("MY_FIELD").map(String::from).collect()),
        Concrete::Vorbis(f) => Some(f.vorbis_comments().get_all("MY_FIELD").map(String::from).collect()),
        Concrete::Opus(f) => Some(f.vorbis_comments().get_all("MY_FIELD").map(String::from).collect()),
        Concrete::Speex(f) => Some(f.vorbis_comments().get_all("MY_FIELD").map(String::from).collect()),
        Concrete::Mp4(f) => f.ilst().and_then(|ilst| {
            let ident = AtomIdent::Freeform { mean: "com.apple.iTunes".into(), name: "MY_FIELD".into() };
            ilst.get(&ident).map(|atom| {
                atom.data().filter_map(|d| if let AtomData::UTF8(s) = d { Some(s.clone()) } else { None }).collect()
            })
        }),
        Concrete::Ape(_) | Concrete::WavPack(_) | Concrete::Mpc(_) => native
            .ape()
            .and_then(|t| t.get("MY_FIELD"))
            .and_then(|item| item.text_values().map(|v| v.map(String::from).collect())),
        _ => native.id3v2().and_then(|t| t.get_user_text("MY_FIELD")).map(|v| vec![v.to_string()]),
    }
    .unwrap_or_default()
}

/// Every embedded picture's bytes, through lofty's native API, sorted: lofty's
/// own ID3v2.3 read moves frames around (`construct_tdrc_from_v3` uses the
/// swapping `FrameList::remove`), so APIC order is not stable across saves.
pub(super) fn pictures(native: &NativeFile) -> Vec<Vec<u8>> {
    let mut all = pictures_in_order(native);
    all.sort();
    all
}

fn pictures_in_order(native: &NativeFile) -> Vec<Vec<u8>> {
    let data = |p: &Picture| p.data().to_vec();
    match &native.file {
        Concrete::Flac(f) => {
            let mut all: Vec<Vec<u8>> = f.pictures().iter().map(|(p, _)| data(p)).collect();
            all.extend(f.vorbis_comments().into_iter().flat_map(|t| t.pictures().iter().map(|(p, _)| data(p))));
            all
        }
        Concrete::Vorbis(f) => f.vorbis_comments().pictures().iter().map(|(p, _)| data(p)).collect(),
        Concrete::Opus(f) => f.vorbis_comments().pictures().iter().map(|(p, _)| data(p)).collect(),
        Concrete::Speex(f) => f.vorbis_comments().pictures().iter().map(|(p, _)| data(p)).collect(),
        Concrete::Mp4(f) => f.ilst().and_then(|t| t.pictures()).into_iter().flatten().map(data).collect(),
        Concrete::Ape(_) | Concrete::WavPack(_) | Concrete::Mpc(_) => native
            .ape()
            .into_iter()
            .flat_map(|t| t.into_iter())
            .filter(|item| item.key().starts_with("Cover Art"))
            .filter_map(|item| if let ItemValue::Binary(b) = item.value() { Some(b.clone()) } else { None })
            .collect(),
        _ => native
            .id3v2()
            .into_iter()
            .flat_map(|t| t.iter())
            .filter_map(|f| if let Frame::Picture(p) = f { Some(data(&p.picture)) } else { None })
            .collect(),
    }
}

/// Duration, sample rate and channels as lofty reads them (properties on).
pub(super) fn properties(path: &Path) -> (std::time::Duration, Option<u32>, Option<u8>) {
    use lofty::file::AudioFile as _;
    let tagged = lofty::read_from_path(path).expect("lofty read");
    let p = tagged.properties();
    (p.duration(), p.sample_rate(), p.channels())
}

/// Whether the primary tag has no items at all.
pub(super) fn primary_is_empty(native: &NativeFile) -> bool {
    match &native.file {
        Concrete::Flac(f) => f.vorbis_comments().is_none_or(TagExt::is_empty),
        Concrete::Vorbis(f) => f.vorbis_comments().is_empty(),
        Concrete::Opus(f) => f.vorbis_comments().is_empty(),
        Concrete::Speex(f) => f.vorbis_comments().is_empty(),
        Concrete::Mp4(f) => f.ilst().is_none_or(TagExt::is_empty),
        Concrete::Ape(_) | Concrete::WavPack(_) | Concrete::Mpc(_) => native.ape().is_none_or(TagExt::is_empty),
        _ => native.id3v2().is_none_or(TagExt::is_empty),
    }
}

#[test]
fn native_files_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<NativeFile>();
}
