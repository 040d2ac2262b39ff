//! MP4 ilst atoms. A raw key is a fourcc ("©nam", "trkn") or a freeform atom
//! ("----:com.apple.iTunes:NAME" → mean "com.apple.iTunes", name "NAME").
//! A list is one atom holding one `data` atom per value (what iTunes and
//! mutagen write for freeform lists).
//!
//! `trkn`/`disk` read and write as "n/t" text here so [`super::kinds`] can
//! treat them like ID3v2 TRCK; they are stored as the usual binary pair
//! (8 bytes for trkn, 6 for disk, as iTunes writes them). `cpil` is a boolean.
//! Genre reads `©gen`, else the outdated numeric `gnre`; writing it replaces both.

use std::borrow::Cow;

use lofty::id3::v1::GENRES;
use lofty::mp4::{Atom, AtomData, AtomIdent, DataType, Ilst};

use super::RawTag;

fn ident(key: &str) -> Option<AtomIdent<'static>> {
    if let Some(rest) = key.strip_prefix("----:") {
        let (mean, name) = rest.split_once(':')?;
        return Some(AtomIdent::Freeform { mean: Cow::Owned(mean.to_owned()), name: Cow::Owned(name.to_owned()) });
    }
    // "©nam": each char is one Latin-1 byte.
    let bytes: Vec<u8> = key.chars().map(u8::try_from).collect::<Result<_, _>>().ok()?;
    Some(AtomIdent::Fourcc(bytes.try_into().ok()?))
}

fn is_pair(key: &str) -> bool {
    key == "trkn" || key == "disk"
}

fn decode_pair(data: &[u8]) -> Option<String> {
    let number = u16::from_be_bytes([*data.get(2)?, *data.get(3)?]);
    let total = match (data.get(4), data.get(5)) {
        (Some(hi), Some(lo)) => u16::from_be_bytes([*hi, *lo]),
        _ => 0,
    };
    Some(if total == 0 { number.to_string() } else { format!("{number}/{total}") })
}

fn encode_pair(key: &str, text: &str) -> Vec<u8> {
    let mut parts = text.splitn(2, '/').map(|p| p.trim().parse::<u32>().unwrap_or(0).min(u32::from(u16::MAX)) as u16);
    let number = parts.next().unwrap_or(0).to_be_bytes();
    let total = parts.next().unwrap_or(0).to_be_bytes();
    let mut data = vec![0, 0, number[0], number[1], total[0], total[1]];
    if key == "trkn" {
        data.extend([0, 0]);
    }
    data
}

fn text_of(key: &str, data: &AtomData) -> Option<String> {
    match data {
        AtomData::UTF8(text) | AtomData::UTF16(text) => Some(text.clone()),
        AtomData::Bool(flag) => Some(if *flag { "1" } else { "0" }.to_string()),
        AtomData::SignedInteger(n) => Some(n.to_string()),
        AtomData::UnsignedInteger(n) => Some(n.to_string()),
        AtomData::Unknown { data, .. } if is_pair(key) => decode_pair(data),
        // Freeform text written with the "implicit" type.
        AtomData::Unknown { code: DataType::Reserved, data } => String::from_utf8(data.clone()).ok(),
        _ => None,
    }
}

const GENRE_TEXT: &str = "\u{a9}gen";
const GENRE_ID: AtomIdent<'static> = AtomIdent::Fourcc(*b"gnre");

/// The outdated `gnre` atom: ID3v1 genre numbers plus one.
fn id3v1_genres(ilst: &Ilst) -> Vec<String> {
    ilst.into_iter()
        .filter(|atom| atom.ident() == &GENRE_ID)
        .flat_map(Atom::data)
        .filter_map(|data| match data {
            AtomData::Unknown { data, .. } if data.len() >= 2 => {
                let index = usize::from(u16::from_be_bytes([data[0], data[1]]));
                GENRES.get(index.checked_sub(1)?).map(|g| g.to_string())
            }
            _ => None,
        })
        .collect()
}

impl RawTag for Ilst {
    fn read(&self, key: &str) -> Vec<String> {
        let Some(ident) = ident(key) else { return Vec::new() };
        let values: Vec<String> = self
            .into_iter()
            .filter(|atom| atom.ident() == &ident)
            .flat_map(|atom| atom.data().filter_map(|data| text_of(key, data)).collect::<Vec<_>>())
            .collect();
        if values.is_empty() && key == GENRE_TEXT {
            // Read with implicit conversions off, so lofty left `gnre` as it is.
            return id3v1_genres(self);
        }
        values
    }

    fn write(&mut self, key: &str, values: &[String]) {
        let Some(ident) = ident(key) else {
            debug_assert!(false, "field table has an invalid MP4 key {key}");
            return;
        };
        // `retain` keeps the order of the other atoms (lofty's `remove` swaps them).
        self.retain(|atom| atom.ident() != &ident && !(key == GENRE_TEXT && atom.ident() == &GENRE_ID));
        let Some(first) = values.first() else { return };
        let data: Vec<AtomData> = if is_pair(key) {
            vec![AtomData::Unknown { code: DataType::Reserved, data: encode_pair(key, first) }]
        } else if key == "cpil" {
            vec![AtomData::Bool(first == "1")]
        } else {
            values.iter().map(|v| AtomData::UTF8(v.clone())).collect()
        };
        if let Some(atom) = Atom::from_collection(ident, data) {
            self.insert(atom);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents_from_raw_keys() {
        assert_eq!(ident("\u{a9}nam"), Some(AtomIdent::Fourcc(*b"\xa9nam")));
        assert_eq!(
            ident("----:com.apple.iTunes:MusicBrainz Album Type"),
            Some(AtomIdent::Freeform { mean: "com.apple.iTunes".into(), name: "MusicBrainz Album Type".into() })
        );
        assert_eq!(ident("toolong"), None);
    }

    #[test]
    fn pairs_round_trip() {
        let mut ilst = Ilst::new();
        ilst.write("trkn", &["3/12".into()]);
        ilst.write("disk", &["0/2".into()]);
        assert_eq!(ilst.read("trkn"), ["3/12"]);
        assert_eq!(ilst.read("disk"), ["0/2"]);
        assert_eq!(lofty::tag::Accessor::track(&ilst), Some(3));
        assert_eq!(lofty::tag::Accessor::disk_total(&ilst), Some(2));
    }

    #[test]
    fn lists_replace_instead_of_appending() {
        let mut ilst = Ilst::new();
        let key = "----:com.apple.iTunes:MusicBrainz Album Type";
        ilst.write(key, &["album".into(), "soundtrack".into()]);
        ilst.write(key, &["album".into(), "soundtrack".into()]);
        assert_eq!(ilst.read(key), ["album", "soundtrack"]);
        ilst.write("cpil", &["1".into()]);
        assert!(ilst.is_compilation());
    }

    #[test]
    fn outdated_gnre_reads_as_genre_and_is_replaced() {
        let mut ilst = Ilst::new();
        ilst.insert(Atom::new(GENRE_ID, AtomData::Unknown { code: DataType::Reserved, data: vec![0, 25] }));
        assert_eq!(ilst.read(GENRE_TEXT), ["Soundtrack"]);
        ilst.write(GENRE_TEXT, &["Film Score".into()]);
        assert_eq!(ilst.read(GENRE_TEXT), ["Film Score"]);
        assert!(ilst.get(&GENRE_ID).is_none());
    }
}
