use super::*;
use crate::rules::Rules;

/// Decisions are reused only under the same rules and the same deciding
/// code: a changed classifier source must change the fingerprint.
#[test]
fn the_fingerprint_covers_version_source_and_rules() {
    let rules = Rules::default();
    let base = fingerprint_of("1.0.0", &["fn classify() {}"], &rules);
    assert_eq!(base, fingerprint_of("1.0.0", &["fn classify() {}"], &rules), "stable across calls");
    assert_ne!(base, fingerprint_of("1.0.1", &["fn classify() {}"], &rules));
    assert_ne!(base, fingerprint_of("1.0.0", &["fn classify() { /* new rule */ }"], &rules));
    let other_rules = Rules { composers: vec!["ada marsh".into()], ..Rules::default() };
    assert_ne!(base, fingerprint_of("1.0.0", &["fn classify() {}"], &other_rules));
    assert_eq!(fingerprint(&rules), fingerprint(&rules));
}
