//! `fairquote actuarial epv`: the expected present values of the sickness–death model.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::actuarial::{Assumptions, StartState, epv};

#[derive(Debug, Subcommand)]
pub enum ActuarialCommand {
    /// ā00, ā01, Ā02, the end-of-term state probabilities and the net premium per unit of
    /// annual sickness benefit, for a life healthy (or, with --sick, sick) at the start.
    Epv {
        #[arg(long)]
        assumptions: PathBuf,
        #[arg(long)]
        age: f64,
        #[arg(long)]
        term: f64,
        #[arg(long)]
        sick: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ActuarialCommand) -> ExitCode {
    let ActuarialCommand::Epv {
        assumptions,
        age,
        term,
        sick,
        json,
    } = command;
    let text = match std::fs::read_to_string(&assumptions) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("fairquote actuarial: {}: {e}", assumptions.display());
            return ExitCode::FAILURE;
        }
    };
    let parsed = match Assumptions::parse(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("fairquote actuarial: {}: {e}", assumptions.display());
            return ExitCode::FAILURE;
        }
    };
    let plausible = (0.0..=120.0).contains(&age) && term > 0.0 && term <= 120.0;
    if !plausible {
        eprintln!(
            "fairquote actuarial: the age must be 0 to 120 and the term above 0 and at most 120 years"
        );
        return ExitCode::FAILURE;
    }
    let start = if sick {
        StartState::Sick
    } else {
        StartState::Healthy
    };
    let e = epv(&parsed.model, age, term, start);
    let (from, to) = if sick {
        ("1", ["10", "11", "12"])
    } else {
        ("0", ["00", "01", "02"])
    };
    if json {
        let document = serde_json::json!({
            "age": age, "term": term, "start": if sick { "sick" } else { "healthy" },
            "interest": parsed.model.interest,
            format!("a_bar_{}", to[0]): e.annuity_healthy,
            format!("a_bar_{}", to[1]): e.annuity_sick,
            format!("A_bar_{}", to[2]): e.death_benefit,
            "end_probabilities": { "healthy": e.end_healthy, "sick": e.end_sick, "dead": e.end_dead },
            "net_premium_per_unit_annual_benefit": if sick { None } else { Some(e.net_premium()) },
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        println!(
            "start {} at age {age}, term {term} years, interest {}",
            if sick { "sick" } else { "healthy" },
            parsed.model.interest
        );
        println!("  ā{}  = {:.6}", to[0], e.annuity_healthy);
        println!("  ā{}  = {:.6}", to[1], e.annuity_sick);
        println!("  Ā{}  = {:.6}", to[2], e.death_benefit);
        println!(
            "  at the end: p{from}0 = {:.6}, p{from}1 = {:.6}, p{from}2 = {:.6}",
            e.end_healthy, e.end_sick, e.end_dead
        );
        if !sick {
            println!(
                "  net premium per unit of annual sickness benefit: {:.6}",
                e.net_premium()
            );
        }
    }
    ExitCode::SUCCESS
}
