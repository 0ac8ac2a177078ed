//! `fairquote keys new`: a new API key, and the line that configures it by its hash.

use std::process::ExitCode;

use clap::Subcommand;

use crate::grpc::auth::hash_key;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new random API key and its settings entry (which holds only its SHA-256).
    New {
        /// The insurer or team the key belongs to.
        #[arg(long)]
        tenant: String,
        /// insurer, actuary or auditor.
        #[arg(long, value_parser = ["insurer", "actuary", "auditor"])]
        role: String,
    },
}

pub fn run(command: KeysCommand) -> ExitCode {
    let KeysCommand::New { tenant, role } = command;
    let mut secret = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut secret) {
        eprintln!("fairquote keys: no randomness: {e}");
        return ExitCode::FAILURE;
    }
    let key = format!("fq_{}", hex::encode(secret));
    say!("key (give it to {tenant}; it is not stored anywhere): {key}");
    say!();
    say!("settings entry:");
    say!("[[auth.keys]]");
    say!("tenant = {tenant:?}");
    say!("role = {role:?}");
    say!("key_sha256 = {:?}", hash_key(&key));
    ExitCode::SUCCESS
}
