//! Text predicates the classifier's signals are built from: phrase lists,
//! name splitting, and the shapes of cue, song and classical titles.
//! Everything here is pure string work on already-read tag values.

use std::sync::OnceLock;

use super::phrases::{PhraseIndex, indexed};

/// The index of a built-in list, one per call site.
macro_rules! index_of {
    ($list:expr) => {{
        static INDEX: OnceLock<PhraseIndex> = OnceLock::new();
        indexed(&INDEX, $list)
    }};
}

/// Lowercases and turns punctuation into single spaces, padded with a space at
/// each end so that phrases match on word boundaries: " original score ".
pub fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    // Most titles are ASCII: a byte loop skips the Unicode case tables.
    if text.is_ascii() {
        push_words(&mut out, text.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        push_words(&mut out, text.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Appends lowercase letters and digits, one space for each run of anything else.
fn push_words(out: &mut String, chars: impl Iterator<Item = char>) {
    let mut last_space = true;
    for c in chars {
        // Keep "no." and "op." distinguishable from words by keeping digits and letters only.
        if c.is_alphanumeric() {
            out.push(c);
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if !last_space {
        out.push(' ');
    }
}

/// The first phrase of `phrases` found in `normalized` (from [`words`]).
pub fn find_phrase<'p>(normalized: &str, phrases: impl IntoIterator<Item = &'p str>) -> Option<&'p str> {
    let tokens: Vec<&str> = normalized.split_ascii_whitespace().collect();
    find_phrase_in(&tokens, phrases)
}

/// [`find_phrase`] on a title already split into tokens.
pub fn find_phrase_in<'p>(tokens: &[&str], phrases: impl IntoIterator<Item = &'p str>) -> Option<&'p str> {
    phrases.into_iter().find(|p| phrase_ends(tokens, p).next().is_some())
}

/// A normalized title's words, split once for all the shape checks.
pub fn tokens(normalized: &str) -> Vec<&str> {
    normalized.split_ascii_whitespace().collect()
}

/// The token index just after each whole-word occurrence of `phrase` in
/// `tokens`. Runs for every phrase on every title of a library, so the phrase
/// is compared in place, byte by byte, instead of being split into words at
/// every call.
pub fn phrase_ends<'a>(tokens: &'a [&'a str], phrase: &'a str) -> impl Iterator<Item = usize> + 'a {
    let phrase = phrase.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let first = phrase.as_bytes().first().copied();
    (0..tokens.len()).filter_map(move |start| {
        // Tokens are never empty: a first-byte check rejects almost every start.
        if first? != tokens[start].as_bytes()[0] {
            return None;
        }
        phrase_end_at(tokens, start, phrase)
    })
}

/// Where `phrase` (words separated by ASCII whitespace) ends if it starts at
/// `tokens[start]`.
fn phrase_end_at(tokens: &[&str], start: usize, phrase: &str) -> Option<usize> {
    let mut rest = phrase;
    let mut at = start;
    loop {
        let word_len = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        if tokens.get(at).copied() != Some(&rest[..word_len]) {
            return None;
        }
        at += 1;
        rest = rest[word_len..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.is_empty() {
            return Some(at);
        }
    }
}

/// Album-title phrases that mean the composer's score.
pub const SCORE_PHRASES: &[&str] = &[
    "original score",
    "original motion picture score",
    "motion picture score",
    "original television score",
    "original series score",
    "original game score",
    "film score",
    "score from",
    "music composed by",
    "composed and conducted by",
    "score",
];

/// Album-title phrases that mean "a soundtrack" without saying which kind.
pub const SOUNDTRACK_PHRASES: &[&str] = &[
    "original motion picture soundtrack",
    "motion picture soundtrack",
    "original soundtrack",
    "original game soundtrack",
    "original series soundtrack",
    "original television soundtrack",
    "soundtrack",
    "ost",
    "music from the motion picture",
    "music from the original motion picture",
    "music from the film",
    "music from the movie",
    "music from the series",
    "music from the television series",
    "music from the hbo series",
    "music from the netflix",
    "from the netflix original series",
    "original music from",
    "music from and inspired by",
    "songs from",
    "original motion picture",
    "motion picture",
    "original cast recording",
    "sound track",
    "video game",
];

/// Album-title phrases that mean songs rather than score.
pub const SONG_PHRASES: &[&str] =
    &["music from and inspired by", "inspired by", "songs from", "awesome mix", "mixtape"];

/// Genres that mean soundtrack music, and those that mean score in particular.
pub const SOUNDTRACK_GENRES: &[&str] = &[
    "soundtrack",
    "soundtracks",
    "ost",
    "stage screen",
    "stage and screen",
    "musical",
    "musicals",
    "show tunes",
    "film",
    "movie",
    "film soundtrack",
    "game soundtrack",
    "anime",
];
pub const SCORE_GENRES: &[&str] = &[
    "score",
    "film score",
    "original score",
    "video game music",
    "game",
    "game music",
    "vgm",
    "cinematic",
    "orchestral score",
];

/// Folder names that hold soundtracks: "Soundtracks/", "OST".
pub const SOUNDTRACK_FOLDERS: &[&str] =
    &["soundtrack", "soundtracks", "ost", "osts", "scores", "film scores", "game music"];

/// Title phrases only a film cue carries.
const STRONG_CUES: &[&str] = &[
    "main title",
    "main titles",
    "end title",
    "end titles",
    "end credits",
    "opening titles",
    "opening credits",
    "closing titles",
    "closing credits",
    "suite from",
];

/// Title words common on score albums, but also elsewhere.
const WEAK_CUES: &[&str] =
    &["prologue", "epilogue", "theme", "suite", "finale", "overture", "reprise", "intro", "opening"];

/// Strength of a title's cue shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    Strong(&'static str),
    Weak(&'static str),
}

/// Whether a track title looks like a film cue: "Main Title", "End Credits",
/// a reel number such as "1M1" or "4m12".
pub fn cue(title_words: &str) -> Option<Cue> {
    cue_in(&tokens(title_words))
}

/// [`cue`] on tokens.
pub fn cue_in(tokens: &[&str]) -> Option<Cue> {
    if let Some(p) = index_of!(STRONG_CUES).first(tokens) {
        return Some(Cue::Strong(p));
    }
    if tokens.iter().any(|t| is_reel_number(t)) {
        return Some(Cue::Strong("reel number"));
    }
    index_of!(WEAK_CUES).first(tokens).map(Cue::Weak)
}

/// "1m1", "4m12", "2m3a": reel then M then cue number.
fn is_reel_number(word: &str) -> bool {
    let Some((reel, cue)) = word.split_once('m') else { return false };
    let cue = cue.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !reel.is_empty()
        && reel.len() <= 2
        && reel.chars().all(|c| c.is_ascii_digit())
        && !cue.is_empty()
        && cue.len() <= 2
        && cue.chars().all(|c| c.is_ascii_digit())
}

/// Whether a title credits a guest performer: "feat.", "ft.", "featuring".
pub fn has_featuring(title_words: &str) -> bool {
    has_featuring_in(&tokens(title_words))
}

/// [`has_featuring`] on tokens.
pub fn has_featuring_in(tokens: &[&str]) -> bool {
    index_of!(&["feat", "ft", "featuring"]).first(tokens).is_some()
}

/// Whether a title names the film a song comes from: `(From "Frozen")`.
pub fn from_quote(title: &str) -> bool {
    // Every pattern opens a parenthesis, and lowercasing never makes one.
    if !title.contains('(') {
        return false;
    }
    let lower = title.to_lowercase();
    ["(from \"", "(from '", "(from “", "(from the motion picture", "(from the film", "(from the movie"]
        .iter()
        .any(|p| lower.contains(p))
}

/// Words that make a title read like a song's ("I Will Always Love You",
/// "How Deep Is Your Love"): film cues name places, people and events, and
/// rarely speak in the first or second person.
const SONG_WORDS: &[&str] = &[
    "i", "i m", "i ll", "i ve", "i d", "you", "you re", "your", "me", "my", "baby", "we re", "don t", "gonna", "wanna",
    "yeah",
];

/// Whether a title reads like a song's.
pub fn is_song_shaped(title_words: &str) -> bool {
    is_song_shaped_in(&tokens(title_words))
}

/// [`is_song_shaped`] on tokens.
pub fn is_song_shaped_in(tokens: &[&str]) -> bool {
    index_of!(SONG_WORDS).first(tokens).is_some()
}

/// Whether a title marks spoken dialogue.
pub fn is_dialogue_in(tokens: &[&str]) -> bool {
    index_of!(&["dialogue", "dialog"]).first(tokens).is_some()
}

const CLASSICAL_MARKS: &[&str] = &[
    "symphony no",
    "concerto no",
    "sonata no",
    "concerto",
    "sonata",
    "op",
    "opus",
    "bwv",
    "k",
    "kv",
    "hob",
    "rv",
    "d",
    "woo",
    "string quartet",
    "piano trio",
    "mass in",
    "requiem",
    "cantata",
    "nocturne",
    "etude",
    "prelude and fugue",
];
const MOVEMENT_WORDS: &[&str] = &[
    "allegro",
    "andante",
    "adagio",
    "presto",
    "largo",
    "moderato",
    "vivace",
    "scherzo",
    "menuetto",
    "minuet",
    "rondo",
    "allegretto",
    "lento",
    "grave",
    "larghetto",
    "andantino",
    "aria",
    "variatio",
    "sarabande",
    "gigue",
    "courante",
    "allemande",
    "introitus",
    "kyrie",
    "dies irae",
    "lacrimosa",
    "sanctus",
    "agnus dei",
    "finale",
];

/// Whether a title is shaped like a classical concert work: a catalogue
/// number ("Op. 67", "BWV 988", "K. 626", "Hob. I:94"), a form with a number
/// ("Symphony No. 5"), or a numbered movement with a tempo ("I. Allegro").
pub fn is_classical_title(title: &str, title_words: &str) -> bool {
    is_classical_title_in(title, &tokens(title_words))
}

/// [`is_classical_title`] on tokens.
pub fn is_classical_title_in(title: &str, tokens: &[&str]) -> bool {
    let catalogue = index_of!(CLASSICAL_MARKS).any(tokens, |mark, end| {
        let after = tokens.get(end).copied().unwrap_or("");
        // A catalogue mark counts only when a number follows: "op 67", "k 626", "hob i 94".
        mark.contains(' ') || mark.len() > 3 || after.starts_with(|c: char| c.is_ascii_digit()) || after == "i"
    });
    catalogue || has_numbered_movement(title)
}

/// A title without its trailing bracketed parts, normalized: "City of Stars
/// (Humming)" and "City of Stars" are versions of one song.
pub fn base_title(title: &str) -> String {
    let mut base = title.trim();
    // A title that is all brackets ("(Untitled)") keeps them.
    while let Some(open) = base.strip_suffix([')', ']']).and_then(|rest| rest.rfind(['(', '['])).filter(|&at| at > 0) {
        base = base[..open].trim_end();
    }
    words(base).trim().to_string()
}

/// A concert work named unmistakably: a catalogue number ("K. 622", "Op. 67",
/// "BWV 1068"), "Symphony No." or a numbered movement. A bare "Concerto" or
/// "Sonata" is not enough here: film cues carry those words too.
pub fn is_catalogued_work_in(title: &str, tokens: &[&str]) -> bool {
    let catalogue = index_of!(CLASSICAL_MARKS).any(tokens, |mark, end| {
        let after = tokens.get(end).copied().unwrap_or("");
        mark.contains(' ') || (mark.len() <= 5 && (after.starts_with(|c: char| c.is_ascii_digit()) || after == "i"))
    });
    catalogue || has_numbered_movement(title)
}

fn has_numbered_movement(title: &str) -> bool {
    // "I. Allegro con brio", "Symphony No. 5: II. Andante", "3. Adagio".
    title.split([':', '-', '–', '/']).any(|part| {
        let part = part.trim();
        let Some((number, rest)) = part.split_once(". ") else { return false };
        let numeral = !number.is_empty()
            && number.len() <= 5
            && (number.chars().all(|c| matches!(c, 'I' | 'V' | 'X')) || number.chars().all(|c| c.is_ascii_digit()));
        // The numeral first: it spares most parts the normalizing.
        numeral && index_of!(MOVEMENT_WORDS).starts(&tokens(&words(rest)))
    })
}

/// Artist names that are performing ensembles rather than people.
pub fn is_ensemble(name_words: &str) -> bool {
    index_of!(&[
        "orchestra",
        "philharmonic",
        "philharmonia",
        "symphony",
        "sinfonia",
        "sinfonietta",
        "ensemble",
        "choir",
        "chorus",
        "chamber",
        "orchestre",
        "orchester",
        "filharmonie",
        "strings",
        "quartet",
        "players",
        "singers",
        "voices",
        "philharmoniker",
        "staatskapelle",
        "consort",
    ])
    .first(&tokens(name_words))
    .is_some()
}

/// Names meaning "many artists".
pub fn is_various(name: &str) -> bool {
    // Every such name starts with a "v" or an "a": most names stop here, unnormalized.
    let first = name.bytes().find(u8::is_ascii_alphanumeric);
    if name.is_ascii() && first.is_some_and(|c| !matches!(c.to_ascii_lowercase(), b'v' | b'a')) {
        return false;
    }
    matches!(
        words(name).trim(),
        "various artists" | "various" | "va" | "verschiedene interpreten" | "artistes divers" | "varios artistas"
    )
}

/// Splits a credit into names: "Hans Zimmer & James Newton Howard",
/// "College feat. Electric Youth", "A; B", "A / B", "A, B".
pub fn split_names(credit: &str) -> Vec<String> {
    const SEPARATOR_WORDS: &[&str] = &["feat.", "feat", "ft.", "featuring", "with", "&", "and", "x", "vs.", "vs"];
    // ASCII credits are lowercased word by word as they are copied; others
    // need the whole-string rules (a final sigma) first.
    let ascii = credit.is_ascii();
    let lowered = if ascii { String::new() } else { credit.to_lowercase() };
    let source = if ascii { credit } else { &lowered };
    let mut names = Vec::new();
    // One pass: punctuation separators split parts, separator words split within them.
    for part in source.split([';', '/', ',', '+']) {
        let mut name = String::with_capacity(part.len());
        for word in part.split_whitespace() {
            // Words of a lowercased credit have no ASCII capitals: this is equality for them.
            if SEPARATOR_WORDS.iter().any(|sep| sep.eq_ignore_ascii_case(word)) {
                if !name.is_empty() {
                    names.push(std::mem::take(&mut name));
                }
            } else {
                if !name.is_empty() {
                    name.push(' ');
                }
                if ascii {
                    name.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
                } else {
                    name.push_str(word);
                }
            }
        }
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_titles_drop_trailing_brackets() {
        assert_eq!(base_title("City of Stars (Humming)"), "city of stars");
        assert_eq!(base_title("Scarborough Fair/Canticle (Interlude) [Remastered]"), "scarborough fair canticle");
        assert_eq!(base_title("Mrs. Robinson"), "mrs robinson");
        assert_eq!(base_title("(Untitled)"), "untitled");
        assert_eq!(base_title(""), "");
    }

    #[test]
    fn catalogued_works_need_a_number_or_a_movement() {
        let catalogued = |title: &str| {
            let w = words(title);
            is_catalogued_work_in(title, &tokens(&w))
        };
        for title in [
            "Concerto for Clarinet and Orchestra in A (K. 622)",
            "Piano Concerto No. 21",
            "Symphony No. 5: II. Andante con moto",
            "Air on the G String (BWV 1068)",
            "Sonata No. 14 \"Moonlight\"",
            "Mass in B Minor",
        ] {
            assert!(catalogued(title), "{title}");
        }
        for title in ["Warsaw Concerto", "Sonata for the Lost", "Main Title", "Op Art", "K Is for Kingdom", "Requiem"] {
            assert!(!catalogued(title), "{title}");
        }
    }

    #[test]
    fn words_normalize_punctuation() {
        assert_eq!(
            words("Star Wars (Original Motion Picture Soundtrack)"),
            " star wars original motion picture soundtrack "
        );
        assert_eq!(words("  "), " ");
    }

    #[test]
    fn phrase_table() {
        let cases = [
            ("Inception (Music from the Motion Picture)", SOUNDTRACK_PHRASES, Some("music from the motion picture")),
            ("The Dark Knight - Original Score", SCORE_PHRASES, Some("original score")),
            ("Random Access Memories", SOUNDTRACK_PHRASES, None),
            ("Ghost Stories", SOUNDTRACK_PHRASES, None), // "ost" only as a word
            ("Guardians of the Galaxy: Awesome Mix Vol. 1", SONG_PHRASES, Some("awesome mix")),
        ];
        for (title, phrases, want) in cases {
            assert_eq!(find_phrase(&words(title), phrases.iter().copied()), want, "{title}");
        }
    }

    #[test]
    fn cue_table() {
        assert_eq!(cue(&words("Main Title")), Some(Cue::Strong("main title")));
        assert_eq!(cue(&words("1M1 Opening")), Some(Cue::Strong("reel number")));
        assert_eq!(cue(&words("Prologue")), Some(Cue::Weak("prologue")));
        assert_eq!(cue(&words("Hooked on a Feeling")), None);
        assert_eq!(cue(&words("M1 Abrams")), None);
    }

    #[test]
    fn classical_titles() {
        let yes = [
            "Symphony No. 5 in C minor, Op. 67: I. Allegro con brio",
            "Goldberg Variations, BWV 988: Aria",
            "Requiem in D minor, K. 626: Lacrimosa",
            "Symphony No. 94 in G major, Hob. I:94",
            "The Planets, Op. 32: I. Mars, the Bringer of War",
            "II. Andante",
        ];
        for t in yes {
            assert!(is_classical_title(t, &words(t)), "{t}");
        }
        let no = ["Main Title", "Cornfield Chase", "Hooked on a Feeling", "A Real Hero", "Op Art", "K Street"];
        for t in no {
            assert!(!is_classical_title(t, &words(t)), "{t}");
        }
    }

    #[test]
    fn names_split_on_credit_separators() {
        assert_eq!(split_names("College feat. Electric Youth"), ["college", "electric youth"]);
        assert_eq!(split_names("A FEAT. B With C"), ["a", "b", "c"]);
        assert_eq!(split_names("ΟΔΥΣΣΕΑΣ & Ünal"), ["οδυσσεας", "ünal"]);
        assert_eq!(split_names("Hans Zimmer & James Newton Howard"), ["hans zimmer", "james newton howard"]);
        assert_eq!(
            split_names("John Williams; London Symphony Orchestra"),
            ["john williams", "london symphony orchestra"]
        );
        assert!(is_ensemble(&words("London Symphony Orchestra")));
        assert!(!is_ensemble(&words("John Williams")));
        assert!(is_various("Various Artists"));
        for name in ["VA", "  various", "(Various Artists)", "Artistes Divers", "Verschiedene Interpreten"] {
            assert!(is_various(name), "{name}");
        }
        assert!(!is_various("Hans Zimmer") && !is_various("Vangelis") && !is_various("É"));
        assert!(from_quote("Let It Go (From \"Frozen\")"));
        assert!(has_featuring(&words("A Real Hero (feat. Electric Youth)")));
        assert!(is_song_shaped(&words("I Will Always Love You")));
        assert!(is_song_shaped(&words("Don't You (Forget About Me)")));
        assert!(!is_song_shaped(&words("Cornfield Chase")));
        assert!(!is_song_shaped(&words("Imperial Attack")));
    }
}
