//! `reeltag explain PATH`: one file's decision (or every file of a folder's
//! albums) with each signal that fired and its weight.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::album;
use crate::classify::{self, Axis, Decision, Signal};
use crate::config::ExplainConfig;
use crate::error::{Exit, FatalError};
use crate::track::Track;
use crate::walk::WalkOptions;

/// The folder whose files give a file its album context: its release folder.
fn context_folder(path: &Path) -> PathBuf {
    let folder = path.parent().unwrap_or(Path::new("."));
    let is_disc = folder.file_name().and_then(|n| n.to_str()).is_some_and(|n| album::disc_from_folder(n).is_some());
    match (is_disc, folder.parent()) {
        (true, Some(parent)) => parent.to_path_buf(),
        _ => folder.to_path_buf(),
    }
}

pub fn run(config: &ExplainConfig) -> Result<Exit, FatalError> {
    let target = &config.input.roots[0];
    let single_file = target.is_file();
    let mut input = config.input.clone();
    if single_file {
        input.roots = vec![context_folder(target)];
    }
    // A file is explained within its release folder; a folder, as given.
    input.walk = WalkOptions { max_depth: single_file.then_some(2), ..input.walk };
    let pool = crate::thread_pool(input.threads)?;
    let scanned = crate::walk_and_read(&input, false, &pool);
    for err in &scanned.failed {
        eprintln!("reeltag: {err}");
    }
    let albums = album::group(&scanned.tracks);
    let mut text = String::new();
    let mut shown = 0;
    for album in &albums {
        let members: Vec<&Track> = album.tracks.iter().map(|&i| &scanned.tracks[i]).collect();
        let wanted: Vec<usize> =
            (0..members.len()).filter(|&i| !single_file || same_file(&members[i].path, target)).collect();
        if wanted.is_empty() {
            continue;
        }
        let decisions = classify::classify(&members, &config.rules);
        explain_album(&mut text, album, &members, &decisions, &wanted);
        shown += wanted.len();
    }
    if shown == 0 {
        return Err(FatalError::Config(format!("no readable audio file at {}", target.display())));
    }
    print!("{text}");
    Ok(if scanned.failed.is_empty() { Exit::Success } else { Exit::SomeFailed })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn explain_album(out: &mut String, album: &album::Album, members: &[&Track], decisions: &[Decision], wanted: &[usize]) {
    let title = album.title.as_deref().unwrap_or("(no album tag)");
    let _ = writeln!(out, "album: {title}\n  folder: {}  ({} tracks)", album.dir.display(), members.len());
    // Album-level signals are the same on every track that did not hit a rule.
    let first = &decisions[wanted[0]];
    let shared: &[Signal] = &first.album_signals;
    let soundtrack: f32 = shared.iter().filter(|s| s.axis == Axis::Soundtrack).map(|s| s.weight).sum();
    let _ = writeln!(out, "  is it soundtrack music? prior -1.0, evidence {soundtrack:+.1}");
    for signal in shared.iter().filter(|s| s.axis == Axis::Soundtrack) {
        let _ = writeln!(out, "    {signal}");
    }
    let _ = writeln!(out, "  album evidence for score vs song:");
    for signal in shared.iter().filter(|s| s.axis == Axis::Score) {
        let _ = writeln!(out, "    {signal}");
    }
    for &i in wanted {
        let track = members[i];
        let decision = &decisions[i];
        let name = track.tags.title.as_deref().unwrap_or("(no title)");
        let number = track.tags.track.map(|n| format!("{n:>2} ")).unwrap_or_default();
        let _ = writeln!(out, "\n  {number}{name} — {}", track.tags.artist.join("; "));
        let _ = writeln!(out, "     {}", track.path.display());
        let _ = writeln!(out, "     role: {} (confidence {:.2})", decision.role, decision.confidence);
        if let Some(rule) = &decision.rule {
            let _ = writeln!(out, "     decided by user {rule}");
            continue;
        }
        for signal in &decision.track_signals {
            let _ = writeln!(out, "     {signal}");
        }
    }
    out.push('\n');
}
