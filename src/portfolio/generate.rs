//! A realistic synthetic portfolio of any size, the same for the same seed on any machine
//! (ChaCha8), for impact analysis and fairness reports when no real book is at hand.
//!
//! Half liability, half income protection; three in five insureds in an intimacy profession;
//! turnovers and incomes log-normal; a few claims; some applications outside eligibility so
//! that declines and referrals appear. Two audit-only columns, `gender` and
//! `nationality_group`, are drawn independently of everything else and never priced.

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const INTIMACY: &[&str] = &[
    "escort_companion",
    "erotic_tantric_massage",
    "bdsm_fetish_work",
    "erotic_dance_striptease",
    "webcam_online_content",
    "window_venue_work",
];
const COMPARATORS: &[&str] = &[
    "office_worker",
    "beautician",
    "massage_therapist",
    "physiotherapist",
    "personal_care_worker",
    "nurse",
    "dancer_performer",
    "personal_trainer",
];
const SETTINGS: &[&str] = &["own_premises", "client_premises", "venue", "online_only"];
const MEASURES: &[&str] = &[
    "safety_training",
    "screening_protocol",
    "hygiene_protocol",
    "panic_button_or_reference_person",
    "peer_network",
];
const LIMITS: &[(&str, f64)] = &[
    ("500000", 0.25),
    ("1000000", 0.5),
    ("2500000", 0.2),
    ("5000000", 0.05),
];
const DEDUCTIBLES: &[(&str, f64)] = &[("0", 0.2), ("250", 0.4), ("500", 0.3), ("1000", 0.1)];
const CLAIMS: &[(u32, f64)] = &[(0, 0.8), (1, 0.13), (2, 0.05), (3, 0.015), (4, 0.005)];
const DEFERRED: &[(&str, f64)] = &[
    ("7", 0.05),
    ("14", 0.1),
    ("30", 0.35),
    ("60", 0.2),
    ("90", 0.15),
    ("180", 0.1),
    ("365", 0.05),
];
const PERIODS: &[(&str, f64)] = &[("2_years", 0.3), ("5_years", 0.45), ("to_age_65", 0.25)];
const GENDERS: &[(&str, f64)] = &[("f", 0.7), ("m", 0.2), ("x", 0.1)];
const NATIONALITY_GROUPS: &[(&str, f64)] = &[("belgian", 0.45), ("eu", 0.35), ("non_eu", 0.2)];

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, f64)]) -> T {
    let mut draw: f64 = rng.random();
    for (value, weight) in choices {
        if draw < *weight {
            return *value;
        }
        draw -= weight;
    }
    choices[choices.len() - 1].0
}

/// A log-normal draw with the given median, by Box–Muller.
fn log_normal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    let (u, v): (f64, f64) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random());
    let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
    median * (sigma * normal).exp()
}

fn round_to(value: f64, step: f64) -> String {
    format!("{:.0}", (value / step).round() * step)
}

/// `size` applications, rated on `rating_date`.
pub fn generate(size: usize, seed: u64, rating_date: chrono::NaiveDate) -> PolarsResult<DataFrame> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut columns: Vec<Vec<Option<String>>> =
        vec![Vec::with_capacity(size); super::COLUMNS.len() + 2];
    let date = rating_date.to_string();
    for i in 0..size {
        let liability = rng.random_bool(0.5);
        let occupation = if rng.random_bool(0.6) {
            INTIMACY[rng.random_range(0..INTIMACY.len())]
        } else {
            COMPARATORS[rng.random_range(0..COMPARATORS.len())]
        };
        let mut row: Vec<Option<String>> = vec![None; super::COLUMNS.len() + 2];
        row[0] = Some(format!("P{i:09}"));
        row[1] = Some(
            if liability {
                "liability"
            } else {
                "income_protection"
            }
            .into(),
        );
        row[2] = Some(date.clone());
        row[3] = Some(
            if rng.random_bool(0.3) {
                "renewal"
            } else {
                "new_business"
            }
            .into(),
        );
        row[4] = Some(
            if rng.random_bool(0.4) {
                "monthly"
            } else {
                "annual"
            }
            .into(),
        );
        row[5] = Some(occupation.into());
        if liability {
            row[6] = Some(weighted(&mut rng, CLAIMS).to_string());
            row[7] = Some(SETTINGS[rng.random_range(0..SETTINGS.len())].into());
            row[8] = Some(round_to(log_normal(&mut rng, 45_000.0, 0.6), 100.0));
            row[9] = Some(weighted(&mut rng, LIMITS).into());
            row[10] = Some(weighted(&mut rng, DEDUCTIBLES).into());
            row[11] = Some(rng.random_range(0..25u32).to_string());
            let measures: Vec<&str> = MEASURES
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.45))
                .collect();
            row[12] = Some(measures.join(";"));
        } else {
            row[6] = Some(weighted(&mut rng, &[(0u32, 0.88), (1, 0.09), (2, 0.03)]).to_string());
            let income = log_normal(&mut rng, 2_800.0, 0.45);
            row[13] = Some(rng.random_range(18..66u32).to_string());
            row[14] = Some(
                if rng.random_bool(0.35) {
                    "employee"
                } else {
                    "self_employed"
                }
                .into(),
            );
            row[15] = Some(round_to(income, 10.0));
            row[16] = Some(round_to(income * rng.random_range(0.35..0.9), 50.0).max("50".into()));
            row[17] = Some(weighted(&mut rng, DEFERRED).into());
            row[18] = Some(weighted(&mut rng, PERIODS).into());
            row[19] = Some(if rng.random_bool(0.25) { "yes" } else { "no" }.into());
        }
        row[20] = Some(weighted(&mut rng, GENDERS).into());
        row[21] = Some(weighted(&mut rng, NATIONALITY_GROUPS).into());
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    let names = super::COLUMNS
        .iter()
        .copied()
        .chain(["gender", "nationality_group"]);
    let columns = names
        .zip(columns)
        .map(|(name, values)| Column::new(name.into(), values))
        .collect();
    DataFrame::new(size, columns)
}
