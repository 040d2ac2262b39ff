//! Command-line arguments, as clap types and nothing else: `config.rs` turns
//! them into a validated [`crate::config::Job`].

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0    every file was read (and, for tag, written) fine
  1    some files failed; the batch went on and the report names each one
  2    usage error, a path that does not exist, or a fatal error
  130  interrupted by Ctrl-C";

/// reeltag: tags film, TV, game and stage music.
///
/// It reads the tags of every audio file under the given paths, decides from
/// each file's whole album whether it is the composer's score, a song on a
/// soundtrack, or not soundtrack music at all, and reports why.
#[derive(Debug, Parser)]
#[command(name = "reeltag", version, about, long_about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every audio file's tags and decide its role (score, song or none).
    ///
    /// One record per audio file, sorted by path. Non-audio files (covers,
    /// cue sheets, logs) are skipped and counted. The format is detected from
    /// the content, so misnamed and extension-less files are read too.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Show one file's decision (or every file of a folder's album) with each
    /// signal that fired and its weight.
    #[command(after_help = EXIT_CODES)]
    Explain(ExplainArgs),
    /// Write role fields and normalized tags: preview with --dry-run first.
    ///
    /// Every file is written safely: a copy beside it is tagged, checked and
    /// renamed over the original, and the old values are journaled first, so
    /// `reeltag undo` restores them. Pictures and fields reeltag does not own
    /// are kept.
    #[command(after_help = EXIT_CODES)]
    Tag(TagArgs),
    /// Restore the fields changed by the last run (or RUN) from the journal.
    #[command(after_help = EXIT_CODES)]
    Undo(UndoArgs),
    /// Count a library's files by format, role, tag type and problem.
    ///
    /// Uses the state file like `scan`: when it is fresh, no file is read.
    #[command(after_help = EXIT_CODES)]
    Stats(ScanArgs),
    /// List the journaled runs, oldest first.
    Runs(RunsArgs),
    /// Measure the classifier on a labeled evaluation set (see eval/README.md).
    Eval(EvalArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupingFrameArg {
    /// TIT1, the standard content-group frame.
    Tit1,
    /// GRP1, the frame iTunes reads.
    Grp1,
    /// Both frames.
    Both,
}

#[derive(Debug, ClapArgs)]
pub struct WriteArgs {
    /// Which ID3v2 frame gets the grouping.
    #[arg(long, value_enum, default_value = "tit1")]
    pub grouping_frame: GroupingFrameArg,
    /// Write ID3v2.3 (default: keep each file's version; new tags are v2.4).
    #[arg(long, conflicts_with = "id3v24")]
    pub id3v23: bool,
    /// Write ID3v2.4 (default: keep each file's version).
    #[arg(long)]
    pub id3v24: bool,
    /// Keep each file's modification time.
    #[arg(long)]
    pub preserve_mtime: bool,
    /// Journal folder (default: $XDG_STATE_HOME/reeltag/journal).
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
}

#[derive(Debug, ClapArgs)]
pub struct TagArgs {
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Only report what would change: no byte of any file changes, nothing is journaled.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Replace a grouping the user set by hand.
    #[arg(long)]
    pub overwrite_grouping: bool,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, ClapArgs)]
pub struct UndoArgs {
    /// The run to undo (from `reeltag runs`; default: the last tag run).
    #[arg(value_name = "RUN")]
    pub run: Option<String>,
    /// Restore files modified since the run too.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub write: WriteArgs,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
}

#[derive(Debug, ClapArgs)]
pub struct RunsArgs {
    /// Journal folder (default: $XDG_STATE_HOME/reeltag/journal).
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
}

#[derive(Debug, ClapArgs)]
pub struct WalkArgs {
    /// Folders or files to scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(short = 'L', long)]
    pub follow_links: bool,
    /// Include hidden files and folders (names starting with a dot).
    #[arg(long)]
    pub hidden: bool,
    /// Descend at most this many folder levels below each path.
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,
    /// Number of reader threads, and of writer threads for `tag` (default: one per core).
    /// Without -j, helper threads read ahead of the readers while they wait on the disk.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, ClapArgs)]
pub struct RulesArgs {
    /// User rules file (TOML; see README). Default: $XDG_CONFIG_HOME/reeltag/config.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore the default config file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned columns for people (default on a terminal).
    Table,
    /// One JSON object per line (default when piped).
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

#[derive(Debug, ClapArgs)]
pub struct StateArgs {
    /// The state file that makes re-runs read only changed files
    /// (default: $XDG_CACHE_HOME/reeltag/state.sqlite).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Read every file, ignoring what the state file holds (it is refreshed).
    #[arg(long)]
    pub no_cache: bool,
    /// Neither read nor write a state file.
    #[arg(long, conflicts_with_all = ["state", "no_cache"])]
    pub no_state: bool,
}

#[derive(Debug, ClapArgs)]
pub struct ScanArgs {
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, ClapArgs)]
pub struct ExplainArgs {
    /// A file, or a folder whose album(s) to explain.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Debug, ClapArgs)]
pub struct EvalArgs {
    /// Folders of labeled album files (*.toml), e.g. eval/dev eval/holdout.
    #[arg(required = true, value_name = "LABELS")]
    pub sets: Vec<PathBuf>,
    /// Print every misclassified track.
    #[arg(long)]
    pub misses: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }
}
