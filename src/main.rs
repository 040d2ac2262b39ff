use std::process::ExitCode;

use clap::Parser;
use reeltag::cli::Args;
use reeltag::config::{Env, Job};
use reeltag::error::Exit;

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
