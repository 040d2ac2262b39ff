//! APEv2 (APE, WavPack, Musepack): one item per key, several values
//! NUL-separated inside it. Keys compare case-insensitively; binary items
//! (cover art) hold no text.

use lofty::ape::{ApeItem, ApeTag};
use lofty::tag::ItemValue;

use super::RawTag;

impl RawTag for ApeTag {
    fn read(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(ApeItem::text_values)
            .map(|values| values.map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn write(&mut self, key: &str, values: &[String]) {
        // `remove` keeps the order of the other items.
        self.remove(key);
        if values.is_empty() {
            return;
        }
        match ApeItem::new(key.to_owned(), ItemValue::Text(values.join("\0"))) {
            Ok(item) => self.insert(item),
            Err(err) => debug_assert!(false, "field table has an invalid APE key {key}: {err}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::tag::TagExt;

    #[test]
    fn lists_are_nul_separated_and_keys_case_insensitive() {
        let mut tag = ApeTag::new();
        tag.insert(ApeItem::new("MY_FIELD".into(), ItemValue::Text("keep".into())).unwrap());
        tag.insert(ApeItem::new("musicbrainz_albumtype".into(), ItemValue::Text("old".into())).unwrap());
        tag.write("MUSICBRAINZ_ALBUMTYPE", &["album".into(), "soundtrack".into()]);
        assert_eq!(tag.read("MusicBrainz_AlbumType"), ["album", "soundtrack"]);
        assert_eq!(tag.len(), 2);
        tag.write("MUSICBRAINZ_ALBUMTYPE", &[]);
        assert_eq!(tag.read("MY_FIELD"), ["keep"]);
        assert_eq!(tag.len(), 1);
    }
}
