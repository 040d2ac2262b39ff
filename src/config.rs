//! Turns parsed arguments and the environment into a plain, validated job.
//! Nothing after this reads `std::env` or clap types.

use std::path::{Path, PathBuf};

use crate::cli::{Args, Command, FormatArg, RulesArgs, WalkArgs};
use crate::error::FatalError;
use crate::rules::Rules;
use crate::walk::WalkOptions;

/// What the environment contributes to the configuration.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// `$XDG_CONFIG_HOME` (or its platform default).
    pub config_dir: Option<PathBuf>,
}

impl Env {
    /// Reads the real environment; tests build an `Env` by hand instead.
    pub fn from_process() -> Env {
        use std::io::IsTerminal;
        Env {
            stdout_is_terminal: std::io::stdout().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
            config_dir: dirs::config_dir(),
        }
    }
}

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Jsonl,
    Csv,
}

/// Where files come from and how many threads read them.
#[derive(Debug, Clone)]
pub struct Input {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub threads: usize,
}

#[derive(Debug)]
pub struct ScanConfig {
    pub input: Input,
    pub rules: Rules,
    pub format: Format,
    /// Show the progress bar and the summary line (stderr).
    pub progress: bool,
    pub quiet: bool,
}

#[derive(Debug)]
pub struct ExplainConfig {
    pub input: Input,
    pub rules: Rules,
}

#[derive(Debug)]
pub struct EvalConfig {
    pub sets: Vec<PathBuf>,
    pub misses: bool,
}

/// One validated run of reeltag.
#[derive(Debug)]
pub enum Job {
    Scan(ScanConfig),
    Explain(ExplainConfig),
    Eval(EvalConfig),
}

impl Job {
    pub fn from_args(args: Args, env: &Env) -> Result<Job, FatalError> {
        Ok(match args.command {
            Command::Scan(scan) => {
                let format = match scan.format {
                    Some(FormatArg::Table) => Format::Table,
                    Some(FormatArg::Jsonl) => Format::Jsonl,
                    Some(FormatArg::Csv) => Format::Csv,
                    None if env.stdout_is_terminal => Format::Table,
                    None => Format::Jsonl,
                };
                Job::Scan(ScanConfig {
                    input: input(scan.walk)?,
                    rules: load_rules(&scan.rules, env)?,
                    format,
                    progress: env.stderr_is_terminal && !scan.quiet,
                    quiet: scan.quiet,
                })
            }
            Command::Explain(explain) => {
                let walk = WalkArgs {
                    paths: vec![explain.path],
                    follow_links: false,
                    hidden: false,
                    max_depth: None,
                    threads: None,
                };
                Job::Explain(ExplainConfig { input: input(walk)?, rules: load_rules(&explain.rules, env)? })
            }
            Command::Eval(eval) => {
                for set in &eval.sets {
                    check_exists(set)?;
                }
                Job::Eval(EvalConfig { sets: eval.sets, misses: eval.misses })
            }
        })
    }
}

fn check_exists(path: &Path) -> Result<(), FatalError> {
    // metadata() follows links, so a dangling link counts as missing.
    if std::fs::metadata(path).is_err() {
        return Err(FatalError::MissingPath(path.to_path_buf()));
    }
    Ok(())
}

fn input(walk: WalkArgs) -> Result<Input, FatalError> {
    for path in &walk.paths {
        check_exists(path)?;
    }
    let threads = match walk.threads {
        Some(0) | None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        Some(n) => n,
    };
    Ok(Input {
        roots: walk.paths,
        walk: WalkOptions { follow_links: walk.follow_links, hidden: walk.hidden, max_depth: walk.max_depth },
        threads,
    })
}

fn load_rules(args: &RulesArgs, env: &Env) -> Result<Rules, FatalError> {
    let explicit = args.config.clone();
    let default =
        (!args.no_config).then(|| env.config_dir.as_ref().map(|d| d.join("reeltag").join("config.toml"))).flatten();
    match (explicit, default) {
        (Some(path), _) => Rules::load(&path),
        (None, Some(path)) if path.is_file() => Rules::load(&path),
        _ => Ok(Rules::default()),
    }
}
