//! Deriving the income-protection base-rate table from an assumptions file, reproducibly: the
//! same assumptions give the same bytes, so anyone can re-derive a published table.
//!
//! The `[derivation]` section of the assumptions says how the model maps onto the table:
//!
//! ```toml
//! [derivation]
//! retirement_age = 65            # cover (and premiums) end here
//! age_bands = [[18, 24], [25, 29]]
//! # The sickness–death model has no duration since falling sick, so deferred and benefit
//! # periods are resolved by factors, relative to a 30-day deferral and benefit to age 65.
//! deferred_period_factors = { "7" = 1.6, "30" = 1.0 }
//! benefit_period_factors = { "2_years" = 0.62, "5_years" = 0.85, "to_age_65" = 1.0 }
//! ```
//!
//! Base rate per 100 EUR of monthly benefit = 1,200 × ā01 / ā00 (from the band's middle age to
//! the retirement age, starting healthy) × deferred factor × benefit-period factor, rounded
//! half-even to the cent.

use std::collections::BTreeMap;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

use super::{Assumptions, AssumptionsError, StartState, epv};

pub const BENEFIT_PERIODS: [&str; 3] = ["2_years", "5_years", "to_age_65"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Derivation {
    retirement_age: f64,
    age_bands: Vec<[u32; 2]>,
    deferred_period_factors: BTreeMap<String, f64>,
    benefit_period_factors: BTreeMap<String, f64>,
}

fn fault(field: &str, message: impl Into<String>) -> AssumptionsError {
    AssumptionsError {
        field: format!("derivation.{field}"),
        message: message.into(),
    }
}

/// The base-rate table as CSV text, exactly as `models/income_protection/base_rates.csv` holds it.
pub fn base_rates_csv(assumptions: &Assumptions) -> Result<String, AssumptionsError> {
    let table = assumptions.derivation.clone().ok_or_else(|| {
        fault(
            "",
            "missing: the [derivation] section says how to build the table",
        )
    })?;
    let derivation: Derivation = table
        .try_into()
        .map_err(|e: toml::de::Error| fault("", e.message().to_owned()))?;
    if derivation.age_bands.is_empty() {
        return Err(fault("age_bands", "no band"));
    }
    for [low, high] in &derivation.age_bands {
        if low > high || f64::from(*high) >= derivation.retirement_age {
            return Err(fault(
                "age_bands",
                format!("the band {low}-{high} is empty or reaches the retirement age"),
            ));
        }
    }
    let mut deferred: Vec<(u32, f64)> = Vec::new();
    for (days, factor) in &derivation.deferred_period_factors {
        let days: u32 = days.parse().map_err(|_| {
            fault(
                "deferred_period_factors",
                format!("`{days}` is not a number of days"),
            )
        })?;
        if *factor <= 0.0 || !factor.is_finite() {
            return Err(fault(
                "deferred_period_factors",
                format!("the factor for {days} days is not positive"),
            ));
        }
        deferred.push((days, *factor));
    }
    deferred.sort_by_key(|(days, _)| *days);
    for period in BENEFIT_PERIODS {
        match derivation.benefit_period_factors.get(period) {
            Some(f) if *f > 0.0 && f.is_finite() => {}
            _ => {
                return Err(fault(
                    "benefit_period_factors",
                    format!("`{period}` needs a positive factor"),
                ));
            }
        }
    }
    let mut csv = String::from("age_min,age_max,deferred_period_days,benefit_period,rate\n");
    let per_band: Vec<f64> = derivation
        .age_bands
        .iter()
        .map(|[low, high]| {
            let middle = (f64::from(*low) + f64::from(*high)) / 2.0;
            let e = epv(
                &assumptions.model,
                middle,
                derivation.retirement_age - middle,
                StartState::Healthy,
            );
            1200.0 * e.net_premium()
        })
        .collect();
    for (days, deferred_factor) in &deferred {
        for period in BENEFIT_PERIODS {
            let period_factor = derivation.benefit_period_factors[period];
            for ([low, high], rate) in derivation.age_bands.iter().zip(&per_band) {
                let value = rate * deferred_factor * period_factor;
                let mut rate = Decimal::from_f64(value)
                    .ok_or_else(|| fault("", format!("a rate of {value} cannot be written")))?
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
                rate.rescale(2);
                csv.push_str(&format!("{low},{high},{days},{period},{rate}\n"));
            }
        }
    }
    Ok(csv)
}
