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
    /// ln of each table's factors, by table in name order; the charges' term takes the rest,
    /// so that the terms add up to `total`. A sorted slice rather than a map: the report keeps
    /// a split for each of up to 200,000 sampled policies, and a map's node is three times the
    /// size.
    pub terms: Box<[(&'static str, f64)]>,
}

impl Split {
    /// A split from its terms by table (in the map's name order).
    pub fn new(total: f64, terms: BTreeMap<&'static str, f64>) -> Self {
        Split {
            total,
            terms: terms.into_iter().collect(),
        }
    }

    /// A table's term (0 for a policy whose worksheet did not read the table).
    pub fn term(&self, table: &str) -> f64 {
        self.terms
            .binary_search_by(|(t, _)| (*t).cmp(table))
            .map_or(0.0, |at| self.terms[at].1)
    }
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
    Some(Split::new(ln_total, terms))
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

/// What one group's splits add up to: the count, and the sums of the total and of each term.
#[derive(Debug, Clone, Default)]
struct GroupSplits {
    policies: u64,
    total: f64,
    terms: BTreeMap<&'static str, f64>,
}

/// The splits of one product by the groups of one attribute, summed policy by policy in the
/// book's order: the gaps and their terms of the whole book, in memory bounded by the groups
/// and tables.
#[derive(Debug, Clone, Default)]
pub struct GapTally {
    groups: BTreeMap<String, GroupSplits>,
    tables: Vec<&'static str>,
}

impl GapTally {
    pub fn add(&mut self, group: &str, split: &Split) {
        let g = match self.groups.get_mut(group) {
            Some(g) => g,
            None => self.groups.entry(group.to_owned()).or_default(),
        };
        g.policies += 1;
        g.total += split.total;
        for (table, value) in &split.terms {
            *g.terms.entry(*table).or_default() += value;
            if !self.tables.contains(table) {
                self.tables.push(table);
            }
        }
    }
}

impl GroupSplits {
    fn mean_total(&self) -> f64 {
        mean_of(self.total, self.policies)
    }

    /// The mean of a table's term (0 for a policy whose worksheet did not read the table).
    fn mean_term(&self, table: &str) -> f64 {
        mean_of(self.terms.get(table).copied().unwrap_or(0.0), self.policies)
    }
}

fn mean_of(sum: f64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// The attribution of every pair of groups (in name order) of one product: the gap and its
/// terms of the whole book (`tally`), each with a bootstrap interval from the seeded sample
/// (`sample`, the whole book when it is small enough). A pair with a group the sample did not
/// draw has no interval to show (null).
pub fn attribute(tally: &GapTally, sample: &[(&str, &Split)], seed: u64) -> Vec<GapAttribution> {
    let mut sampled: BTreeMap<&str, Vec<&Split>> = BTreeMap::new();
    for (group, split) in sample {
        sampled.entry(group).or_default().push(split);
    }
    let mut tables = tally.tables.clone();
    tables.sort_unstable();
    let groups: Vec<(&str, &GroupSplits)> =
        tally.groups.iter().map(|(g, s)| (g.as_str(), s)).collect();
    let term = |s: &Split, table: &str| s.term(table);
    let mut out = Vec::new();
    let mut pair = 0usize;
    for (i, (first, whole_a)) in groups.iter().enumerate() {
        for (second, whole_b) in &groups[i + 1..] {
            pair += 1;
            let gap = whole_a.mean_total() - whole_b.mean_total();
            let differences: Vec<f64> = tables
                .iter()
                .map(|t| whole_a.mean_term(t) - whole_b.mean_term(t))
                .collect();
            let (a, b) = (
                sampled.get(first).map_or(&[][..], Vec::as_slice),
                sampled.get(second).map_or(&[][..], Vec::as_slice),
            );
            // Resampled within each group: the gap and every term, on the same draws, each draw
            // its own seeded stream (parallel, and the same on any machine).
            let per_draw: Vec<Vec<f64>> = if a.is_empty() || b.is_empty() {
                Vec::new()
            } else {
                (0..RESAMPLES)
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
                            mean(pick_a.iter().map(|s| s.total))
                                - mean(pick_b.iter().map(|s| s.total)),
                        )
                        .chain(tables.iter().map(|t| {
                            mean(pick_a.iter().map(|s| term(s, t)))
                                - mean(pick_b.iter().map(|s| term(s, t)))
                        }))
                        .collect()
                    })
                    .collect()
            };
            let intervals: Vec<Interval> = (0..=tables.len())
                .map(|k| {
                    let mut d: Vec<f64> = per_draw.iter().map(|draw| draw[k]).collect();
                    d.sort_by(f64::total_cmp);
                    match d.is_empty() {
                        true => Interval {
                            low: f64::NAN,
                            high: f64::NAN,
                        },
                        false => Interval {
                            low: percentile(&d, 0.025),
                            high: percentile(&d, 0.975),
                        },
                    }
                })
                .collect();
            out.push(GapAttribution {
                groups: [first.to_string(), second.to_string()],
                policies: [whole_a.policies, whole_b.policies],
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
        Split::new(
            terms.iter().map(|(_, v)| v).sum(),
            terms.iter().copied().collect(),
        )
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
        let mut tally = GapTally::default();
        for (group, split) in &splits {
            tally.add(group, split);
        }
        let sample: Vec<(&str, &Split)> = splits.iter().map(|(g, s)| (g.as_str(), s)).collect();
        let [gap] = &attribute(&tally, &sample, 1)[..] else {
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
