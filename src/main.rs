use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    fairquote::cli::run(fairquote::cli::Cli::parse())
}
