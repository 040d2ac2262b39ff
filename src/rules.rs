//! User rules from a TOML file: fixed roles by path, album or artist, extra
//! composer names and extra title phrases. A matching rule wins over every
//! signal and says so in the decision's reasons.
//!
//! ```toml
//! composers = ["Ramin Djawadi"]          # always treated as score composers
//! score_phrases = ["Original Score"]     # album-title phrases meaning score
//! soundtrack_phrases = ["Music from the HBO Series"]
//! song_phrases = ["Awesome Mix"]         # album-title phrases meaning songs
//!
//! [[rule]]
//! path = "**/Musicals/**"                # glob on the file's path
//! role = "score"
//!
//! [[rule]]
//! albumartist = "Daft Punk"
//! album = "TRON: Legacy"                 # all keys given must match
//! role = "score"
//! ```

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::classify::Role;
use crate::error::FatalError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    composers: Vec<String>,
    #[serde(default)]
    score_phrases: Vec<String>,
    #[serde(default)]
    soundtrack_phrases: Vec<String>,
    #[serde(default)]
    song_phrases: Vec<String>,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleFile>,
    #[serde(default)]
    tag: TagSection,
}

/// `[tag]`: what `reeltag tag` writes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagSection {
    score_grouping: Option<String>,
    song_grouping: Option<String>,
    #[serde(default)]
    normalize: Option<crate::plan::normalize::Normalize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    path: Option<String>,
    album: Option<String>,
    albumartist: Option<String>,
    artist: Option<String>,
    role: Role,
}

/// One rule: every condition given must match.
#[derive(Debug, Clone)]
pub struct Rule {
    pub path: Option<GlobMatcher>,
    pub album: Option<String>,
    pub albumartist: Option<String>,
    pub artist: Option<String>,
    pub role: Role,
    /// How the rule is named in reasons: "rule 2 (album=TRON: Legacy)".
    pub label: String,
}

/// What a track offers a rule to match on.
pub struct RuleSubject<'a> {
    pub path: &'a Path,
    pub album: Option<&'a str>,
    pub albumartist: Option<&'a str>,
    pub artists: &'a [String],
}

impl Rule {
    pub fn matches(&self, subject: &RuleSubject<'_>) -> bool {
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_ref().is_none_or(|w| have.is_some_and(|h| h.trim().eq_ignore_ascii_case(w)))
        };
        self.path.as_ref().is_none_or(|g| g.is_match(subject.path))
            && same(&self.album, subject.album)
            && same(&self.albumartist, subject.albumartist)
            && self.artist.as_ref().is_none_or(|w| subject.artists.iter().any(|a| a.trim().eq_ignore_ascii_case(w)))
    }
}

/// The user's rules; the default is none.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub composers: Vec<String>,
    pub score_phrases: Vec<String>,
    pub soundtrack_phrases: Vec<String>,
    pub song_phrases: Vec<String>,
    pub rules: Vec<Rule>,
    /// What `reeltag tag` writes: role values and normalization switches.
    pub plan: crate::plan::PlanOptions,
    /// Where they were read from, for messages.
    pub source: Option<PathBuf>,
}

impl Rules {
    pub fn load(path: &Path) -> Result<Rules, FatalError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FatalError::Config(format!("cannot read config file {}: {e}", path.display())))?;
        Rules::parse(&text).map_err(|e| FatalError::Config(format!("config file {}: {e}", path.display()))).map(
            |mut rules| {
                rules.source = Some(path.to_path_buf());
                rules
            },
        )
    }

    pub fn parse(text: &str) -> Result<Rules, String> {
        let file: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let lower = |v: Vec<String>| v.into_iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect();
        let mut rules = Vec::new();
        for (index, rule) in file.rules.into_iter().enumerate() {
            let number = index + 1;
            if rule.path.is_none() && rule.album.is_none() && rule.albumartist.is_none() && rule.artist.is_none() {
                return Err(format!("rule {number} has no condition (give path, album, albumartist or artist)"));
            }
            let path = match &rule.path {
                Some(glob) => Some(
                    Glob::new(glob)
                        .map_err(|e| format!("rule {number}: bad path glob {glob:?}: {e}"))?
                        .compile_matcher(),
                ),
                None => None,
            };
            let conditions: Vec<String> = [
                ("path", &rule.path),
                ("album", &rule.album),
                ("albumartist", &rule.albumartist),
                ("artist", &rule.artist),
            ]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect();
            rules.push(Rule {
                path,
                album: rule.album,
                albumartist: rule.albumartist,
                artist: rule.artist,
                role: rule.role,
                label: format!("rule {number} ({})", conditions.join(", ")),
            });
        }
        let mut plan = crate::plan::PlanOptions::default();
        if let Some(g) = file.tag.score_grouping {
            plan.score_grouping = g;
        }
        if let Some(g) = file.tag.song_grouping {
            plan.song_grouping = g;
        }
        if let Some(n) = file.tag.normalize {
            plan.normalize = n;
        }
        if plan.score_grouping.trim().is_empty() || plan.song_grouping.trim().is_empty() {
            return Err("[tag] grouping values must not be empty".into());
        }
        Ok(Rules {
            plan,
            composers: lower(file.composers),
            score_phrases: lower(file.score_phrases),
            soundtrack_phrases: lower(file.soundtrack_phrases),
            song_phrases: lower(file.song_phrases),
            rules,
            source: None,
        })
    }

    /// The first rule that matches, if any.
    pub fn matching(&self, subject: &RuleSubject<'_>) -> Option<&Rule> {
        self.rules.iter().find(|r| r.matches(subject))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_match() {
        let rules = Rules::parse(
            r#"
            composers = ["Ramin Djawadi"]
            [[rule]]
            path = "**/Musicals/**"
            role = "score"
            [[rule]]
            albumartist = "daft punk"
            album = "TRON: Legacy"
            role = "score"
            "#,
        )
        .unwrap();
        assert_eq!(rules.composers, ["ramin djawadi"]);
        let artists = vec!["Daft Punk".to_string()];
        let tron = RuleSubject {
            path: Path::new("/m/Daft Punk/TRON/01.flac"),
            album: Some("TRON: Legacy"),
            albumartist: Some("Daft Punk"),
            artists: &artists,
        };
        let hit = rules.matching(&tron).unwrap();
        assert_eq!(hit.role, Role::Score);
        assert!(hit.label.starts_with("rule 2"), "{}", hit.label);
        let ram = RuleSubject { album: Some("Random Access Memories"), ..tron };
        assert!(rules.matching(&ram).is_none());
        let musical = RuleSubject {
            path: Path::new("/m/Musicals/Hamilton/01.mp3"),
            album: None,
            albumartist: None,
            artists: &[],
        };
        assert!(rules.matching(&musical).is_some());
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        assert!(Rules::parse("[[rule]]\nrole = \"score\"").unwrap_err().contains("no condition"));
        assert!(Rules::parse("[[rule]]\nalbum = \"x\"\nrole = \"maybe\"").is_err());
        assert!(Rules::parse("colour = 1").is_err(), "unknown keys are refused, not ignored");
        let tag = Rules::parse("[tag]\nscore_grouping = \"Score\"\n[tag.normalize]\ndates = false").unwrap();
        assert_eq!(tag.plan.score_grouping, "Score");
        assert_eq!(tag.plan.song_grouping, "Soundtrack");
        assert!(!tag.plan.normalize.dates && tag.plan.normalize.whitespace);
    }
}
