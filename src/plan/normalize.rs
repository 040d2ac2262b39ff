//! Value normalization rules. Each is named, documented in the README and
//! switchable in the config file; each is idempotent (a test checks).

use unicode_normalization::UnicodeNormalization;

/// Which normalization rules are on (all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Normalize {
    /// Trim and collapse runs of whitespace.
    pub whitespace: bool,
    /// Unicode NFC, so "é" is one code point everywhere.
    pub unicode_nfc: bool,
    /// Remove control characters (NUL, escape codes...).
    pub control_chars: bool,
    /// "03/14" in a track or disc field becomes number 3 of 14.
    pub number_pairs: bool,
    /// A missing disc number is taken from a "CD2"/"Disc 2" folder.
    pub disc_from_folder: bool,
    /// Dates become ISO 8601 ("1977/05/25" -> "1977-05-25").
    pub dates: bool,
    /// Album artist, album, date and disc total made equal across an album
    /// where nearly all tracks agree.
    pub album_consistency: bool,
    /// Score tracks without a composer get the composer the album's other score tracks name.
    pub score_composer: bool,
    /// Song compilations get album artist "Various Artists" (when missing) and the compilation flag.
    pub compilations: bool,
    /// Duplicate values in multi-valued fields are removed.
    pub dedupe: bool,
}

impl Default for Normalize {
    fn default() -> Self {
        Normalize {
            whitespace: true,
            unicode_nfc: true,
            control_chars: true,
            number_pairs: true,
            disc_from_folder: true,
            dates: true,
            album_consistency: true,
            score_composer: true,
            compilations: true,
            dedupe: true,
        }
    }
}

/// Applies the text rules (control characters, NFC, whitespace) to one value.
pub fn text(value: &str, rules: &Normalize) -> String {
    // Nearly every tag value is already clean; checking is far cheaper than rebuilding.
    if is_clean_ascii(value) {
        return value.to_string();
    }
    // Tabs and newlines are whitespace, not junk: they become spaces.
    let mut out: String = if rules.control_chars {
        value.chars().filter(|c| c.is_whitespace() || !c.is_control()).collect()
    } else {
        value.to_string()
    };
    if rules.unicode_nfc && unicode_normalization::is_nfc_quick(out.chars()) != unicode_normalization::IsNormalized::Yes
    {
        out = out.nfc().collect();
    }
    if rules.whitespace {
        out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    out
}

/// Whether `text` leaves the value as it is under any rules: printable
/// ASCII, single spaces, nothing to trim.
pub fn is_clean_ascii(value: &str) -> bool {
    value.bytes().all(|b| (0x21..0x7f).contains(&b) || b == b' ')
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.contains("  ")
}

/// Splits "03/14" into (3, Some(14)); "3" into (3, None). `None` when not a number.
pub fn number_pair(value: &str) -> Option<(u32, Option<u32>)> {
    let (number, total) = match value.split_once('/') {
        Some((n, t)) => (n, Some(t)),
        None => (value, None),
    };
    let number: u32 = number.trim().parse().ok()?;
    let total = match total {
        Some(t) => Some(t.trim().parse().ok()?),
        None => None,
    };
    Some((number, total))
}

/// An ISO 8601 form of a date written another common way; `None` when the
/// value is already ISO or not recognisably a date (it is then left alone).
pub fn iso_date(value: &str) -> Option<String> {
    let v = value.trim();
    let parts: Vec<&str> = v.split(['/', '.', '-', ' ']).filter(|p| !p.is_empty()).collect();
    if !parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let valid = |y: &str, m: &str, d: Option<&str>| {
        let (m, d): (u32, u32) = (m.parse().ok()?, d.map_or(Some(1), |d| d.parse().ok())?);
        ((1..=12).contains(&m) && (1..=31).contains(&d) && y.len() == 4).then_some(())
    };
    let iso = match parts.as_slice() {
        [y] if y.len() == 4 => y.to_string(),
        [y, m] if y.len() == 4 => {
            valid(y, m, None)?;
            format!("{y}-{:02}", m.parse::<u32>().ok()?)
        }
        [y, m, d] if y.len() == 4 => {
            valid(y, m, Some(d))?;
            format!("{y}-{:02}-{:02}", m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)
        }
        // Day first ("25.05.1977"), the European order; month-first dates are
        // ambiguous and left alone.
        [d, m, y] if y.len() == 4 && v.contains('.') => {
            valid(y, m, Some(d))?;
            format!("{y}-{:02}-{:02}", m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)
        }
        _ => return None,
    };
    (iso != v).then_some(iso)
}

/// Removes later duplicates, keeping the first occurrence's position.
pub fn dedupe(values: Vec<String>) -> Vec<String> {
    // Most fields hold one value: nothing to compare, nothing to copy.
    if values.len() < 2 {
        return values;
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let all = Normalize::default();
        assert_eq!(text("  Main\tTitle \u{0}", &all), "Main Title");
        assert_eq!(text("Cafe\u{301}", &all), "Caf\u{e9}");
        let off = Normalize { whitespace: false, ..all };
        assert_eq!(text(" a  b ", &off), " a  b ");
        for sample in ["  x  y ", "Cafe\u{301}", "\u{202e}rtl\u{0}"] {
            let once = text(sample, &all);
            assert_eq!(text(&once, &all), once, "idempotent on {sample:?}");
        }
    }

    #[test]
    fn number_pairs() {
        assert_eq!(number_pair("03/14"), Some((3, Some(14))));
        assert_eq!(number_pair("7"), Some((7, None)));
        assert_eq!(number_pair("A1"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(iso_date("1977/05/25").as_deref(), Some("1977-05-25"));
        assert_eq!(iso_date("25.05.1977").as_deref(), Some("1977-05-25"));
        assert_eq!(iso_date("1977-5-25").as_deref(), Some("1977-05-25"));
        assert_eq!(iso_date("1977-05-25"), None, "already ISO");
        assert_eq!(iso_date("1977"), None);
        assert_eq!(iso_date("05/25/1977"), None, "ambiguous order is left alone");
        assert_eq!(iso_date("1977-13-01"), None);
        assert_eq!(iso_date("spring 1977"), None);
    }

    #[test]
    fn dedupe_keeps_first() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(dedupe(v(&["album", "soundtrack", "album"])), v(&["album", "soundtrack"]));
    }
}
