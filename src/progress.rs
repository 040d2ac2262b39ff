//! The progress bar: on stderr, only when stderr is a terminal and not --quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar counting files read, with rate and ETA; a no-op when hidden.
pub fn bar(total: usize, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} files  {per_sec}  ETA {eta}  {wide_bar}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar
}
