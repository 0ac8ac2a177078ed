//! Where a premium gap between two groups comes from.
//!
//! The tariff is multiplicative: a policy's premium per unit of cover is the product of the
//! factors its worksheet read from the rating tables, times what the charges and the minimum
//! premium make of it. So its logarithm is a sum, one term per table and one for the charges
//! (`parameters`: expenses, commission, profit, fee, tax, the minimum premium), and the gap
//! between two groups' mean log premium per unit is, exactly, the sum over the terms of the
//! groups' difference in mean term. Each term's difference is shown with a seeded bootstrap
//! interval (policies resampled within each group), beside whether its table is justified.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::domain::{Operation, Worksheet};

use super::outcomes::{Interval, RESAMPLES};

/// The term of the charges and the minimum premium: what the worksheet did to the risk premium
/// after the tables' factors, all from `parameters.csv`.
pub const CHARGES: &str = crate::rating::book::table::PARAMETERS;

/// One policy's log premium per unit, split by table.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// ln(premium per unit of cover).
    pub total: f64,
    /// ln of each table's factors, by table; the charges' term takes the rest, so that the
    /// terms add up to `total`.
    pub terms: BTreeMap<&'static str, f64>,
}

/// Splits a priced policy's ln(total / units) by the tables its worksheet read. `None` when the
/// premium or the units are not positive.
pub fn split(worksheet: &Worksheet, total: f64, units: f64) -> Option<Split> {
    if total <= 0.0 || units <= 0.0 {
        return None;
    }
    let ln_total = (total / units).ln();
    let mut terms: BTreeMap<&'static str, f64> = BTreeMap::new();
    for step in &worksheet.steps {
        let (Some(table), Some(value)) = (step.table, step.value) else {
            continue;
        };
        let Some(value) = rust_decimal::prelude::ToPrimitive::to_f64(&value) else {
            continue;
        };
        if value <= 0.0 {
            continue;
        }
        match step.operation {
            Operation::Set | Operation::Multiply => *terms.entry(table).or_default() += value.ln(),
            Operation::Divide => *terms.entry(table).or_default() -= value.ln(),
            _ => {}
        }
    }
    let read: f64 = terms.values().sum();
    *terms.entry(CHARGES).or_default() += ln_total - read;
    Some(Split {
        total: ln_total,
        terms,
    })
}

/// One table's part of a gap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorShare {
    pub table: String,
    /// The first group's mean term less the second's.
    pub difference: f64,
    pub interval: Interval,
    /// `difference / gap`; 0 when there is no gap.
    pub share: f64,
    /// The table's standing in the factor inventory (`justified`, `review overdue`, `no record`).
    pub status: String,
    /// The protected criteria the table rates under its record (age, health, ...).
    pub protected_criteria: Vec<String>,
}

/// The gap in mean log premium per unit between two groups of one attribute, and its terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapAttribution {
    pub groups: [String; 2],
    pub policies: [u64; 2],
    /// The first group's mean ln(premium per unit) less the second's.
    pub gap: f64,
    /// `exp(gap) − 1`: how much more, in proportion, the first group pays per unit (geometric
    /// means).
    pub relative: f64,
    pub interval: Interval,
    /// One per table read, and the charges: they add up to `gap`.
    pub factors: Vec<FactorShare>,
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0u64), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The attribution of every pair of groups (in name order) among the splits of one product.
pub fn attribute(splits: &[(String, Split)], seed: u64) -> Vec<GapAttribution> {
    let mut by_group: BTreeMap<&str, Vec<&Split>> = BTreeMap::new();
    let mut tables: Vec<&'static str> = Vec::new();
    for (group, split) in splits {
        by_group.entry(group.as_str()).or_default().push(split);
        for table in split.terms.keys() {
            if !tables.contains(table) {
                tables.push(table);
            }
        }
    }
    tables.sort_unstable();
    let groups: Vec<(&str, Vec<&Split>)> = by_group.into_iter().collect();
    let term = |s: &Split, table: &str| s.terms.get(table).copied().unwrap_or(0.0);
    let mut out = Vec::new();
    let mut pair = 0usize;
    for (i, (first, a)) in groups.iter().enumerate() {
        for (second, b) in &groups[i + 1..] {
            pair += 1;
            let gap = mean(a.iter().map(|s| s.total)) - mean(b.iter().map(|s| s.total));
            let differences: Vec<f64> = tables
                .iter()
                .map(|t| mean(a.iter().map(|s| term(s, t))) - mean(b.iter().map(|s| term(s, t))))
                .collect();
            // Resampled within each group: the gap and every term, on the same draws, each draw
            // its own seeded stream (parallel, and the same on any machine).
            let per_draw: Vec<Vec<f64>> = (0..RESAMPLES)
                .into_par_iter()
                .map(|r| {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    rng.set_stream((pair * RESAMPLES + r) as u64 + 1);
                    let pick_a: Vec<&Split> = (0..a.len())
                        .map(|_| a[rng.random_range(0..a.len())])
                        .collect();
                    let pick_b: Vec<&Split> = (0..b.len())
                        .map(|_| b[rng.random_range(0..b.len())])
                        .collect();
                    std::iter::once(
                        mean(pick_a.iter().map(|s| s.total)) - mean(pick_b.iter().map(|s| s.total)),
                    )
                    .chain(tables.iter().map(|t| {
                        mean(pick_a.iter().map(|s| term(s, t)))
                            - mean(pick_b.iter().map(|s| term(s, t)))
                    }))
                    .collect()
                })
                .collect();
            let mut draws: Vec<Vec<f64>> = (0..=tables.len())
                .map(|k| per_draw.iter().map(|d| d[k]).collect())
                .collect();
            let intervals: Vec<Interval> = draws
                .iter_mut()
                .map(|d| {
                    d.sort_by(f64::total_cmp);
                    Interval {
                        low: percentile(d, 0.025),
                        high: percentile(d, 0.975),
                    }
                })
                .collect();
            out.push(GapAttribution {
                groups: [first.to_string(), second.to_string()],
                policies: [a.len() as u64, b.len() as u64],
                gap,
                relative: gap.exp() - 1.0,
                interval: intervals[0].clone(),
                factors: tables
                    .iter()
                    .zip(&differences)
                    .zip(&intervals[1..])
                    .map(|((table, difference), interval)| FactorShare {
                        table: table.to_string(),
                        difference: *difference,
                        interval: interval.clone(),
                        share: if gap.abs() < 1e-12 {
                            0.0
                        } else {
                            difference / gap
                        },
                        status: String::new(),
                        protected_criteria: Vec::new(),
                    })
                    .collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_of(terms: &[(&'static str, f64)]) -> Split {
        Split {
            total: terms.iter().map(|(_, v)| v).sum(),
            terms: terms.iter().copied().collect(),
        }
    }

    #[test]
    fn the_terms_add_up_to_the_gap_and_a_loading_lands_on_its_table() {
        let mut splits = Vec::new();
        for i in 0..300 {
            let loading = if i % 3 == 0 { 0.2f64 } else { 0.0 };
            let group = if i % 3 == 0 { "a" } else { "b" };
            splits.push((
                group.to_owned(),
                split_of(&[
                    ("base_rates", 0.7 + (i % 7) as f64 * 0.01),
                    ("experience_factors", loading),
                    ("parameters", 0.3),
                ]),
            ));
        }
        let [gap] = &attribute(&splits, 1)[..] else {
            panic!("one pair");
        };
        let sum: f64 = gap.factors.iter().map(|f| f.difference).sum();
        assert!((sum - gap.gap).abs() < 1e-12, "{sum} against {}", gap.gap);
        let experience = gap
            .factors
            .iter()
            .find(|f| f.table == "experience_factors")
            .expect("the table");
        assert!((experience.difference - 0.2).abs() < 1e-12);
        assert!(experience.interval.low <= 0.2 + 1e-9 && 0.2 - 1e-9 <= experience.interval.high);
    }
}
