//! The ID3v1 tag kept in step with the primary tag. ID3v1 has fixed Latin-1
//! slots: title, artist and album hold 30 bytes, the comment 28 (ID3v1.1, the
//! layout lofty writes), the year 4 digits, the track a byte, the genre an
//! index into the Winamp list (255 = none).

use lofty::id3::v1::{GENRES, Id3v1Tag};

use crate::fields::Field;
use crate::read::parse_number;

/// The fields an ID3v1 tag has a slot for.
pub(super) const SLOTS: [Field; 7] =
    [Field::Title, Field::Artist, Field::Album, Field::Date, Field::Comment, Field::Track, Field::Genre];

/// How list values share one slot.
const JOIN: &str = "; ";

/// Latin-1 text cut to `max` characters; other characters become '?' (so
/// lofty's strict encoding never fails and the slot holds what was written).
fn latin1(values: &[String], max: usize) -> Option<String> {
    let joined = values.join(JOIN);
    let text: String = joined.chars().map(|c| if u32::from(c) <= 0xFF { c } else { '?' }).take(max).collect();
    let text = text.trim_end().to_string();
    (!text.is_empty()).then_some(text)
}

/// Sets one slot from the field's new values in the primary tag.
pub(super) fn update(tag: &mut Id3v1Tag, field: Field, values: &[String]) {
    match field {
        Field::Title => tag.title = latin1(values, 30),
        Field::Artist => tag.artist = latin1(values, 30),
        Field::Album => tag.album = latin1(values, 30),
        Field::Comment => tag.comment = latin1(values, 28),
        Field::Date => {
            tag.year = values.first().and_then(|date| {
                let digits: String = date.trim().chars().take(4).collect();
                if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) { digits.parse().ok() } else { None }
            });
        }
        Field::Track => {
            tag.track_number = values.first().and_then(|v| parse_number(v)).and_then(|n| u8::try_from(n).ok())
        }
        Field::Genre => {
            tag.genre = values.iter().find_map(|genre| {
                GENRES.iter().position(|g| g.eq_ignore_ascii_case(genre.trim())).and_then(|i| u8::try_from(i).ok())
            });
        }
        _ => {}
    }
}

/// The tag's values per field, to seed a new primary tag.
pub(super) fn values(tag: &Id3v1Tag) -> Vec<(Field, Vec<String>)> {
    let text = |value: &Option<String>| value.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    let genre = tag.genre.and_then(|g| GENRES.get(usize::from(g))).map(|g| g.to_string());
    vec![
        (Field::Title, text(&tag.title)),
        (Field::Artist, text(&tag.artist)),
        (Field::Album, text(&tag.album)),
        (Field::Date, tag.year.map(|y| y.to_string()).into_iter().collect()),
        (Field::Comment, text(&tag.comment)),
        (Field::Track, tag.track_number.filter(|n| *n > 0).map(|n| n.to_string()).into_iter().collect()),
        (Field::Genre, genre.into_iter().collect()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_cut_and_latin1() {
        let mut tag = Id3v1Tag::new();
        let long = "Symphony No. 5 in C minor, Op. 67: I. Allegro con brio".to_string();
        update(&mut tag, Field::Title, std::slice::from_ref(&long));
        assert_eq!(tag.title.as_deref(), Some("Symphony No. 5 in C minor, Op."));
        update(&mut tag, Field::Artist, &["Хор".into(), "Café".into()]);
        assert_eq!(tag.artist.as_deref(), Some("???; Café"));
        update(&mut tag, Field::Date, &["2014-07-29".into()]);
        assert_eq!(tag.year, Some(2014));
        update(&mut tag, Field::Genre, &["Film Score".into(), "soundtrack".into()]);
        assert_eq!(tag.genre.map(|g| GENRES[usize::from(g)]), Some("Soundtrack"));
        update(&mut tag, Field::Track, &["300".into()]);
        assert_eq!(tag.track_number, None);
        update(&mut tag, Field::Title, &[]);
        assert_eq!(tag.title, None);
    }
}
