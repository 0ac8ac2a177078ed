//! The command line: `fairquote serve`, the actuary's `fairquote model`, and the auditor's
//! `fairquote audit` and `fairquote fairness`; each command is a thin adapter over its
//! capability, as the gRPC service is.

/// A line of a command's output (as `println!`). A reader that stops reading
/// (`fairquote audit show ID | head`) ends the command quietly, as a closed pipe ends any Unix
/// tool, instead of panicking on the broken pipe.
macro_rules! say {
    () => {
        $crate::cli::write_out(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*), true)
    };
}

mod actuarial;
mod audit;
mod experience;
mod fairness;
mod health;
mod keys;
mod model;
mod portfolio;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{config, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "fairquote",
    version,
    about = "Fair, transparent insurance quotes over gRPC"
)]
pub struct Cli {
    /// A settings file (TOML); `FAIRQUOTE__SECTION__KEY` variables override it.
    #[arg(long, global = true, env = "FAIRQUOTE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve quotes over gRPC from the models folder.
    Serve,
    /// Work on model tables.
    #[command(subcommand)]
    Model(model::ModelCommand),
    /// Check and read the quote log, over a data folder or a running server.
    Audit(audit::AuditArgs),
    /// Make portfolios for impact analysis.
    #[command(subcommand)]
    Portfolio(portfolio::PortfolioCommand),
    /// Price a portfolio under two versions of a product and show what moves.
    Impact(portfolio::ImpactArgs),
    /// Ask a running service whether it serves (exit 0 when it does).
    Health {
        /// e.g. `http://127.0.0.1:50051` (default: the configured listen address).
        #[arg(long)]
        server: Option<String>,
    },
    /// Evidence that pricing is fair.
    #[command(subcommand)]
    Fairness(fairness::FairnessCommand),
    /// API keys for callers.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// The sickness–death model behind income protection.
    #[command(subcommand)]
    Actuarial(actuarial::ActuarialCommand),
    /// Claims experience: generate, fit a version from it, watch a version against it.
    #[command(subcommand)]
    Experience(experience::ExperienceCommand),
}

pub fn run(cli: Cli) -> ExitCode {
    let settings = match config::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("fairquote: cannot read the settings: {e}");
            return ExitCode::from(2);
        }
    };
    let _telemetry = telemetry::init(&settings.log, &settings.telemetry);
    match cli.command {
        Command::Serve => serve::run(settings),
        Command::Model(command) => model::run(command, &settings),
        Command::Audit(args) => audit::run(args, &settings),
        Command::Portfolio(command) => portfolio::generate(command),
        Command::Impact(args) => portfolio::impact(args),
        Command::Actuarial(command) => actuarial::run(command),
        Command::Experience(command) => experience::run(command),
        Command::Keys(command) => keys::run(command),
        Command::Fairness(command) => fairness::run(command, &settings),
        Command::Health { server } => health::run(server, &settings),
    }
}

/// A runtime for the commands that talk to a server or serve.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("fairquote: cannot start the runtime: {e}");
        ExitCode::FAILURE
    })
}

/// Writes a command's output to standard output. On a closed pipe the process ends at once
/// with status 141 (128 + SIGPIPE, what a shell reports for a tool the pipe stopped); on any
/// other failure to write, with status 74 (EX_IOERR) and the reason on standard error.
pub(crate) fn write_out(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_fmt(args)
        .and_then(|()| {
            if newline {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(141),
        Err(e) => {
            eprintln!("fairquote: cannot write the output: {e}");
            std::process::exit(74)
        }
    }
}
