//! Built-in phrase lists, split into words once and indexed by first byte:
//! every title of a library is checked against every list, so a token is
//! tried only against the phrases that could start at it.

use std::sync::OnceLock;

/// One phrase list, ready for matching.
pub struct PhraseIndex {
    /// Each phrase and its words, in list order.
    phrases: Vec<(&'static str, Vec<&'static str>)>,
    /// For each first byte, the phrases starting with it, in list order.
    by_byte: Vec<Vec<usize>>,
}

impl PhraseIndex {
    fn new(list: &[&'static str]) -> PhraseIndex {
        let mut by_byte = vec![Vec::new(); 256];
        let phrases: Vec<(&'static str, Vec<&'static str>)> =
            list.iter().map(|&p| (p, p.split_ascii_whitespace().collect())).collect();
        for (at, (_, words)) in phrases.iter().enumerate() {
            // A phrase of no words never matches.
            if let Some(first) = words.first() {
                by_byte[usize::from(first.as_bytes()[0])].push(at);
            }
        }
        PhraseIndex { phrases, by_byte }
    }

    /// The candidates for a match at `tokens[start]`, in list order.
    fn candidates(&self, token: &str) -> &[usize] {
        // Tokens are never empty.
        &self.by_byte[usize::from(token.as_bytes()[0])]
    }

    /// Where phrase `at` ends if it starts at `tokens[start]`.
    fn end_at(&self, at: usize, tokens: &[&str], start: usize) -> Option<usize> {
        let words = &self.phrases[at].1;
        let end = start + words.len();
        (tokens.get(start..end)? == words.as_slice()).then_some(end)
    }

    /// The first phrase of the list (in list order) found anywhere in `tokens`.
    pub fn first(&self, tokens: &[&str]) -> Option<&'static str> {
        let mut best = usize::MAX;
        for start in 0..tokens.len() {
            // Candidates come in list order: the first match is the best at this start.
            let found = self
                .candidates(tokens[start])
                .iter()
                .take_while(|&&at| at < best)
                .find(|&&at| self.end_at(at, tokens, start).is_some());
            if let Some(&at) = found {
                best = at;
            }
        }
        self.phrases.get(best).map(|p| p.0)
    }

    /// Whether any occurrence of any phrase satisfies `accept(phrase, end)`.
    pub fn any(&self, tokens: &[&str], accept: impl Fn(&str, usize) -> bool) -> bool {
        (0..tokens.len()).any(|start| {
            self.candidates(tokens[start])
                .iter()
                .any(|&at| self.end_at(at, tokens, start).is_some_and(|end| accept(self.phrases[at].0, end)))
        })
    }

    /// Whether some phrase starts at the first token.
    pub fn starts(&self, tokens: &[&str]) -> bool {
        tokens.first().is_some_and(|&t| self.candidates(t).iter().any(|&at| self.end_at(at, tokens, 0).is_some()))
    }
}

/// The index of a built-in list, built on first use.
pub fn indexed(cell: &'static OnceLock<PhraseIndex>, list: &[&'static str]) -> &'static PhraseIndex {
    cell.get_or_init(|| PhraseIndex::new(list))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::text::{find_phrase_in, phrase_ends, tokens, words};

    const LIST: &[&str] = &["main title", "title", "end credits", "i m", "i", "a b a", ""];

    #[test]
    fn index_agrees_with_the_plain_scan() {
        let index = PhraseIndex::new(LIST);
        let titles = ["Main Title", "The End Credits", "I'm here", "a b a b a", "Title: Main", "", "zzz", "i i m"];
        for title in titles {
            let normalized = words(title);
            let toks = tokens(&normalized);
            assert_eq!(index.first(&toks), find_phrase_in(&toks, LIST.iter().copied()), "{title}");
            let plain_ends: Vec<(usize, usize)> =
                LIST.iter().enumerate().flat_map(|(at, p)| phrase_ends(&toks, p).map(move |end| (at, end))).collect();
            let expect_any = |f: &dyn Fn(&str, usize) -> bool| plain_ends.iter().any(|&(at, end)| f(LIST[at], end));
            for limit in 0..6 {
                let accept = |p: &str, end: usize| end >= limit && p.len() > 1;
                assert_eq!(index.any(&toks, accept), expect_any(&accept), "{title} {limit}");
            }
            let starts = LIST.iter().any(|p| phrase_ends(&toks, p).next() == Some(p.split(' ').count()));
            assert_eq!(index.starts(&toks), starts, "{title}");
        }
    }
}
