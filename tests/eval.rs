//! The classifier against the labeled evaluation sets (eval/README.md).
//! Thresholds sit just under the measured figures, so a change that makes
//! classification worse fails here; `reeltag eval eval/dev eval/holdout
//! --misses` shows what changed.

use std::path::Path;

use reeltag::classify::Role;
use reeltag::eval::{EvalReport, Style, evaluate, load_set};
use reeltag::rules::Rules;

fn report(set: &str) -> EvalReport {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval").join(set);
    let albums = load_set(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(!albums.is_empty(), "{set} is empty");
    let report = evaluate(&albums, &Rules::default());
    eprintln!("== {set}\n{report}");
    report
}

#[test]
fn dev_set_meets_targets() {
    let r = report("dev");
    assert!(r.total() >= 300, "the set must stay at least 300 tracks");
    assert!(r.accuracy() >= 0.98, "accuracy {:.3}", r.accuracy());
    assert!(r.style_accuracy(Style::Sparse).unwrap() >= 0.95);
    assert_eq!(r.classical_called_score, 0);
    assert!(r.classical_tracks > 0, "the set must hold classical confounders");
}

#[test]
fn holdout_set_meets_targets() {
    let r = report("holdout");
    assert!(r.accuracy() >= 0.95, "accuracy {:.3}", r.accuracy());
    assert!(r.style_accuracy(Style::Full).unwrap() >= 0.99);
    assert_eq!(r.classical_called_score, 0);
}

/// Written after the classifier, without reading or running it (eval/README.md);
/// its first measurement, before any change, was 84.5%.
#[test]
fn second_holdout_set_meets_its_floor() {
    let r = report("holdout2");
    assert!(r.total() >= 280, "the set must stay at least 280 tracks");
    assert!(r.accuracy() >= 0.88, "accuracy {:.3}", r.accuracy());
    assert!(r.style_accuracy(Style::Full).unwrap() >= 0.97);
    assert_eq!(r.classical_called_score, 0);
    assert!(r.classical_tracks > 0, "the set must hold classical confounders");
}

/// Written like holdout2, a session later; its first measurement, before
/// any change, was 90.5% (sparse 82.4%).
#[test]
fn third_holdout_set_meets_its_floor() {
    let r = report("holdout3");
    assert!(r.total() >= 380, "the set must stay at least 380 tracks");
    assert!(r.accuracy() >= 0.935, "accuracy {:.3}", r.accuracy());
    assert!(r.style_accuracy(Style::Full).unwrap() >= 0.99);
    assert_eq!(r.classical_called_score, 0);
    assert!(r.classical_tracks > 0, "the set must hold classical confounders");
}

/// Written by a helper that neither read nor ran the classifier, after this
/// session's first three rule changes; measured once before any further
/// change: 89.4% (full 98.1%, basic 93.8%, sparse 76.4%).
#[test]
fn fourth_holdout_set_meets_its_floor() {
    let r = report("holdout4");
    assert!(r.total() >= 400, "the set must stay at least 400 tracks");
    assert!(r.accuracy() >= 0.89, "accuracy {:.3}", r.accuracy());
    assert!(r.style_accuracy(Style::Full).unwrap() >= 0.97);
    assert_eq!(r.classical_called_score, 0);
    assert!(r.classical_tracks > 0, "the set must hold classical confounders");
}

#[test]
fn no_role_is_neglected() {
    for set in ["dev", "holdout"] {
        let r = report(set);
        for role in [Role::Score, Role::Song, Role::None] {
            assert!(r.precision(role) >= 0.85, "{set} {role} precision {:.3}", r.precision(role));
            assert!(r.recall(role) >= 0.85, "{set} {role} recall {:.3}", r.recall(role));
        }
    }
}
