//! Outcomes by group on a portfolio: acceptance by group (demographic parity with the
//! four-fifths flag) and premium per unit of cover by group, each with a seeded bootstrap
//! confidence interval, a permutation p-value and a materiality verdict: significant at
//! p < 0.05 *and* at least 5 points or 5 % (Colorado's draft rule under SB21-169).

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::metrics::{DemographicParity, GroupRate, demographic_parity};

/// Bootstrap resamples for an interval.
pub const RESAMPLES: usize = 200;
/// Label shuffles for a permutation p-value: enough that the smallest p-value, 1/1001, stays
/// significant after Holm's adjustment for a report's dozen outcome tests.
pub const PERMUTATIONS: usize = 1000;
pub const SIGNIFICANCE: f64 = 0.05;
pub const MATERIAL_POINTS: f64 = 0.05;
pub const MATERIAL_RELATIVE: f64 = 0.05;

/// One priced policy as the analysis sees it.
#[derive(Debug, Clone)]
pub struct Observation {
    pub group: String,
    pub accepted: bool,
    pub referred: bool,
    pub declined: bool,
    /// Premium per unit of cover; `None` when declined.
    pub premium_per_unit: Option<f64>,
    /// What the customer pays over the expected cost (the risk premium); `None` when declined.
    pub premium_to_risk: Option<f64>,
}

/// Premium against expected cost by group: a difference in premium per unit of cover that
/// vanishes here is explained by the risk (the cover chosen); one that stays is not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskAdjusted {
    pub groups: Vec<(String, f64)>,
    /// The largest |group mean / overall mean − 1| of premium over risk premium.
    pub largest_deviation: f64,
}

/// What one group's policies add up to.
#[derive(Debug, Clone, Default)]
struct GroupSums {
    members: u64,
    accepted: u64,
    referred: u64,
    declined: u64,
    /// Premium per unit of cover: sum and count of the policies offered a price.
    premium: (f64, u64),
    /// Premium over risk premium: sum and count.
    to_risk: (f64, u64),
}

/// One product's outcomes by the groups of one attribute, counted and summed policy by policy
/// in the book's order: the rates, means and deviations of the whole book, the same to the
/// last bit however the book is read (whole or in parts), in memory bounded by the groups.
#[derive(Debug, Clone, Default)]
pub struct GroupTally {
    groups: BTreeMap<String, GroupSums>,
    premium: (f64, u64),
    to_risk: (f64, u64),
}

impl GroupTally {
    pub fn add(&mut self, o: &Observation) {
        let g = match self.groups.get_mut(o.group.as_str()) {
            Some(g) => g,
            None => self.groups.entry(o.group.clone()).or_default(),
        };
        g.members += 1;
        g.accepted += u64::from(o.accepted);
        g.referred += u64::from(o.referred);
        g.declined += u64::from(o.declined);
        if let Some(p) = o.premium_per_unit {
            g.premium.0 += p;
            g.premium.1 += 1;
            self.premium.0 += p;
            self.premium.1 += 1;
        }
        if let Some(r) = o.premium_to_risk {
            g.to_risk.0 += r;
            g.to_risk.1 += 1;
            self.to_risk.0 += r;
            self.to_risk.1 += 1;
        }
    }

    /// The policies counted.
    pub fn policies(&self) -> u64 {
        self.groups.values().map(|g| g.members).sum()
    }

    fn rates(&self, selected: impl Fn(&GroupSums) -> u64) -> Vec<GroupRate> {
        self.groups
            .iter()
            .map(|(group, g)| GroupRate {
                group: group.clone(),
                members: g.members,
                selected: selected(g),
                rate: selected(g) as f64 / g.members as f64,
            })
            .collect()
    }

    /// The largest |group mean / overall mean − 1| of premium per unit.
    fn deviation(&self) -> f64 {
        let (total, n) = self.premium;
        if n == 0 || total == 0.0 {
            return 0.0;
        }
        let overall = total / n as f64;
        self.groups
            .values()
            .filter(|g| g.premium.1 > 0)
            .map(|g| (g.premium.0 / g.premium.1 as f64 / overall - 1.0).abs())
            .fold(0.0, f64::max)
    }
}

pub fn risk_adjusted(tally: &GroupTally) -> RiskAdjusted {
    let (total, n) = tally.to_risk;
    let overall = if n == 0 { 1.0 } else { total / n as f64 };
    let groups: Vec<(String, f64)> = tally
        .groups
        .iter()
        .filter(|(_, g)| g.to_risk.1 > 0)
        .map(|(group, g)| (group.clone(), g.to_risk.0 / g.to_risk.1 as f64))
        .collect();
    let largest_deviation = groups
        .iter()
        .map(|(_, m)| (m / overall - 1.0).abs())
        .fold(0.0, f64::max);
    RiskAdjusted {
        groups,
        largest_deviation,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptanceByGroup {
    pub parity: DemographicParity,
    /// The referral and decline rates of each group, beside the acceptance rates.
    pub referral_rates: Vec<GroupRate>,
    pub decline_rates: Vec<GroupRate>,
    pub difference_interval: Interval,
    pub p_value: f64,
    /// The p-value adjusted (Holm) for every test the report makes.
    pub p_adjusted: f64,
    pub material: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PremiumOfGroup {
    pub group: String,
    pub policies: u64,
    pub mean: f64,
    pub median: f64,
    /// The group's mean over the overall mean.
    pub ratio_to_overall: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PremiumByGroup {
    pub groups: Vec<PremiumOfGroup>,
    /// The largest |ratio − 1| of any group.
    pub largest_deviation: f64,
    pub deviation_interval: Interval,
    pub p_value: f64,
    /// The p-value adjusted (Holm) for every test the report makes.
    pub p_adjusted: f64,
    pub material: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The median of sorted values: the mean of the two middle ones for an even count.
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Holm's step-down adjustment of p-values for the many tests one report makes: the k-th
/// smallest of m is multiplied by (m − k + 1), and no adjusted value is below an earlier one.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|a, b| p_values[*a].total_cmp(&p_values[*b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (k, &i) in order.iter().enumerate() {
        running = running.max((p_values[i] * (m - k) as f64).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// The observations with each group as a number, so that resampling and shuffling copy
/// numbers, not names.
struct Coded {
    names: Vec<String>,
    groups: Vec<usize>,
    accepted: Vec<bool>,
    premiums: Vec<Option<f64>>,
}

impl Coded {
    fn new(observations: &[Observation]) -> Self {
        let names: Vec<String> = observations
            .iter()
            .map(|o| o.group.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Coded {
            groups: observations
                .iter()
                .map(|o| names.binary_search(&o.group).unwrap_or(0))
                .collect(),
            accepted: observations.iter().map(|o| o.accepted).collect(),
            premiums: observations.iter().map(|o| o.premium_per_unit).collect(),
            names,
        }
    }
}

/// Demographic parity difference over the rows `rows`, groups given by `groups`.
fn difference(coded: &Coded, groups: &[usize], rows: &[usize]) -> f64 {
    let mut counts = vec![(0u64, 0u64); coded.names.len()];
    for &row in rows {
        let c = &mut counts[groups[row]];
        c.0 += 1;
        c.1 += u64::from(coded.accepted[row]);
    }
    let rates: Vec<f64> = counts
        .iter()
        .filter(|c| c.0 > 0)
        .map(|c| c.1 as f64 / c.0 as f64)
        .collect();
    let max = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    if rates.is_empty() { 0.0 } else { max - min }
}

/// The largest |group mean / overall mean − 1| of premium per unit over the rows.
fn deviation(coded: &Coded, groups: &[usize], rows: &[usize]) -> f64 {
    let mut sums = vec![(0.0f64, 0u64); coded.names.len()];
    let (mut total, mut n) = (0.0, 0u64);
    for &row in rows {
        if let Some(p) = coded.premiums[row] {
            let s = &mut sums[groups[row]];
            s.0 += p;
            s.1 += 1;
            total += p;
            n += 1;
        }
    }
    if n == 0 || total == 0.0 {
        return 0.0;
    }
    let overall = total / n as f64;
    sums.iter()
        .filter(|s| s.1 > 0)
        .map(|s| (s.0 / s.1 as f64 / overall - 1.0).abs())
        .fold(0.0, f64::max)
}

/// Bootstrap interval of a statistic over policies, and its permutation p-value (how often
/// shuffling the group labels gives a statistic at least as large).
/// The generator of draw `i` of a test seeded with `seed`: each draw its own stream, so that
/// the draws can run in parallel and still give the same result on any machine.
fn draw_rng(seed: u64, i: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i as u64 + 1);
    rng
}

fn test(
    coded: &Coded,
    seed: u64,
    statistic: impl Fn(&Coded, &[usize], &[usize]) -> f64 + Sync,
) -> (f64, Interval, f64) {
    use rayon::prelude::*;
    let n = coded.groups.len();
    let all: Vec<usize> = (0..n).collect();
    let observed = statistic(coded, &coded.groups, &all);
    let mut resampled: Vec<f64> = (0..RESAMPLES)
        .into_par_iter()
        .map(|i| {
            let mut rng = draw_rng(seed, i);
            let sample: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            statistic(coded, &coded.groups, &sample)
        })
        .collect();
    resampled.sort_by(f64::total_cmp);
    let as_large = (0..PERMUTATIONS)
        .into_par_iter()
        .filter(|i| {
            let mut labels = coded.groups.clone();
            labels.shuffle(&mut draw_rng(seed, RESAMPLES + i));
            statistic(coded, &labels, &all) >= observed
        })
        .count();
    (
        observed,
        Interval {
            low: percentile(&resampled, 0.025),
            high: percentile(&resampled, 0.975),
        },
        (as_large as f64 + 1.0) / (PERMUTATIONS as f64 + 1.0),
    )
}

/// Acceptance by group: the rates of the whole book (`tally`), the interval and p-value of
/// the seeded sample (`sample`, the whole book when it is small enough).
pub fn acceptance(tally: &GroupTally, sample: &[Observation], seed: u64) -> AcceptanceByGroup {
    let parity = demographic_parity(tally.rates(|g| g.accepted));
    let coded = Coded::new(sample);
    let (_, interval, p_value) = test(&coded, seed, difference);
    AcceptanceByGroup {
        material: p_value < SIGNIFICANCE && parity.difference >= MATERIAL_POINTS,
        parity,
        referral_rates: tally.rates(|g| g.referred),
        decline_rates: tally.rates(|g| g.declined),
        difference_interval: interval,
        p_value,
        p_adjusted: p_value,
    }
}

/// Premium per unit by group: the means and deviation of the whole book (`tally`); the
/// medians, interval and p-value of the seeded sample.
pub fn premium(tally: &GroupTally, sample: &[Observation], seed: u64) -> PremiumByGroup {
    let (total, n) = tally.premium;
    let overall = total / n.max(1) as f64;
    let mut sampled: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for o in sample {
        if let Some(p) = o.premium_per_unit {
            sampled.entry(o.group.as_str()).or_default().push(p);
        }
    }
    let groups = tally
        .groups
        .iter()
        .filter(|(_, g)| g.premium.1 > 0)
        .map(|(group, g)| {
            let mean = g.premium.0 / g.premium.1 as f64;
            let mut values = sampled.remove(group.as_str()).unwrap_or_default();
            values.sort_by(f64::total_cmp);
            // A group too small to be drawn into the sample has no median to show (null).
            let median = if values.is_empty() {
                f64::NAN
            } else {
                median(&values)
            };
            PremiumOfGroup {
                group: group.clone(),
                policies: g.premium.1,
                mean,
                median,
                ratio_to_overall: if overall == 0.0 { 1.0 } else { mean / overall },
            }
        })
        .collect();
    let coded = Coded::new(sample);
    let (_, interval, p_value) = test(&coded, seed, deviation);
    let observed = tally.deviation();
    PremiumByGroup {
        groups,
        largest_deviation: observed,
        deviation_interval: interval,
        p_value,
        p_adjusted: p_value,
        material: p_value < SIGNIFICANCE && observed >= MATERIAL_RELATIVE,
    }
}
