//! Vorbis comments (FLAC, Ogg Vorbis, Opus, Speex): one field per value.
//!
//! Keys compare case-insensitively. A replaced field keeps the position of
//! its first old occurrence; every other field keeps its order (lofty's own
//! `VorbisComments::remove` swaps items around, so it is not used).

use lofty::ogg::tag::VorbisComments;

use super::RawTag;

impl RawTag for VorbisComments {
    fn read(&self, key: &str) -> Vec<String> {
        self.get_all(key).map(str::to_owned).collect()
    }

    fn write(&mut self, key: &str, values: &[String]) {
        let items: Vec<(String, String)> = self.take_items().collect();
        let mut pending = Some(values);
        for (k, v) in items {
            if !k.eq_ignore_ascii_case(key) {
                self.push(k, v);
            } else if let Some(values) = pending.take() {
                push_all(self, key, values);
            }
        }
        if let Some(values) = pending {
            push_all(self, key, values);
        }
    }
}

fn push_all(tag: &mut VorbisComments, key: &str, values: &[String]) {
    for value in values {
        tag.push(key.to_owned(), value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_keeps_positions_and_other_fields() {
        let mut tag = VorbisComments::default();
        for (k, v) in [("TITLE", "t"), ("artist", "a1"), ("MY_FIELD", "x"), ("ARTIST", "a2"), ("ALBUM", "b")] {
            tag.push(k.into(), v.into());
        }
        tag.write("ARTIST", &["n1".into(), "n2".into()]);
        let items: Vec<(&str, &str)> = tag.items().collect();
        assert_eq!(items, [("TITLE", "t"), ("ARTIST", "n1"), ("ARTIST", "n2"), ("MY_FIELD", "x"), ("ALBUM", "b")]);
        tag.write("ARTIST", &[]);
        tag.write("GROUPING", &["g".into()]);
        let items: Vec<(&str, &str)> = tag.items().collect();
        assert_eq!(items, [("TITLE", "t"), ("MY_FIELD", "x"), ("ALBUM", "b"), ("GROUPING", "g")]);
    }
}
