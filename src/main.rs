use std::process::ExitCode;

use clap::Parser;
use reeltag::cli::Args;
use reeltag::config::{Env, Job};
use reeltag::error::Exit;

/// mimalloc: a scan allocates and frees many small strings per file, across
/// threads (read in a worker, printed and freed on the main thread); it cut a
/// scan's CPU by about a sixth. Built without transparent huge pages
/// (`no_thp`), which quadrupled peak RSS.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap exits with code 2 on usage errors, as reeltag's other fatal errors do.
    let args = Args::parse();
    let result = Job::from_args(args, &Env::from_process()).and_then(reeltag::run);
    let exit = match result {
        Ok(exit) => exit,
        Err(err) => {
            reeltag::print_fatal(&err);
            Exit::Fatal
        }
    };
    ExitCode::from(exit.code())
}
