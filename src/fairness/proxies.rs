//! Proxies: how strongly each rating input is associated with each audit-only group, as
//! Cramér's V of their contingency table, with the p-value of Pearson's χ² test of
//! independence. An input that is associated with a group can carry a group difference into
//! the price even though the group is never rated; the report shows it beside the share of the
//! gap its table carries.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// An association at or above this Cramér's V (Cohen's "small" effect for a 2×2 table), and
/// significant, is flagged.
pub const PROXY_V: f64 = 0.10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proxy {
    /// The rating input, as a portfolio column (numbers in bands, see `band`).
    pub input: String,
    pub attribute: String,
    pub cramers_v: f64,
    pub p_value: f64,
    /// The p-value adjusted (Holm) for every test the report makes.
    pub p_adjusted: f64,
    /// V ≥ `PROXY_V` and p < 0.05 (after the report's adjustment for the many tests it makes).
    pub flagged: bool,
    /// The tables the input is rated through.
    pub tables: Vec<String>,
}

/// Pearson's χ² of two coded variables, and Cramér's V: √(χ² / (n · (min(r, c) − 1))).
fn chi_square(inputs: &[u32], groups: &[u32], rows: usize, columns: usize) -> (f64, f64) {
    let n = inputs.len();
    if n == 0 || rows < 2 || columns < 2 {
        return (0.0, 0.0);
    }
    let mut table = vec![0u64; rows * columns];
    let mut row_totals = vec![0u64; rows];
    let mut column_totals = vec![0u64; columns];
    for (&i, &g) in inputs.iter().zip(groups) {
        table[i as usize * columns + g as usize] += 1;
        row_totals[i as usize] += 1;
        column_totals[g as usize] += 1;
    }
    let mut chi = 0.0;
    for r in 0..rows {
        for c in 0..columns {
            let expected = row_totals[r] as f64 * column_totals[c] as f64 / n as f64;
            if expected > 0.0 {
                let d = table[r * columns + c] as f64 - expected;
                chi += d * d / expected;
            }
        }
    }
    let k = rows.min(columns) as f64 - 1.0;
    (chi, (chi / (n as f64 * k)).sqrt())
}

fn code(values: &[&str]) -> (Vec<u32>, usize) {
    let mut codes: BTreeMap<&str, u32> = BTreeMap::new();
    for v in values {
        let next = codes.len() as u32;
        codes.entry(v).or_insert(next);
    }
    (values.iter().map(|v| codes[v]).collect(), codes.len())
}

/// Cramér's V of the pairs (input value, group), and the p-value of independence: the chance
/// of a χ² at least as large, on (r − 1)(c − 1) degrees of freedom.
pub fn association(pairs: &[(&str, &str)]) -> (f64, f64) {
    let inputs: Vec<&str> = pairs.iter().map(|(i, _)| *i).collect();
    let groups: Vec<&str> = pairs.iter().map(|(_, g)| *g).collect();
    let (inputs, rows) = code(&inputs);
    let (groups, columns) = code(&groups);
    let (chi, v) = chi_square(&inputs, &groups, rows, columns);
    let freedom = (rows.saturating_sub(1) * columns.saturating_sub(1)) as f64;
    let p = match ChiSquared::new(freedom) {
        Ok(distribution) if freedom > 0.0 => distribution.sf(chi),
        _ => 1.0,
    };
    (v, p)
}

/// A number in bands, so that an amount or an age is a category: the band of `edges` it falls
/// in (`<a`, `a–b`, `≥z`).
pub fn band(value: &str, edges: &[f64]) -> String {
    let Ok(v) = value.parse::<f64>() else {
        return value.to_owned();
    };
    match edges.iter().position(|e| v < *e) {
        Some(0) => format!("<{}", edges[0]),
        Some(i) => format!("{}-{}", edges[i - 1], edges[i]),
        None => format!(">={}", edges[edges.len() - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cramers_v_is_one_for_a_perfect_proxy_and_near_zero_for_none() {
        let perfect: Vec<(&str, &str)> = (0..200)
            .map(|i| if i % 2 == 0 { ("a", "f") } else { ("b", "m") })
            .collect();
        let (v, p) = association(&perfect);
        assert!((v - 1.0).abs() < 1e-12, "{v}");
        assert!(p < 0.01, "{p}");
        let none: Vec<(&str, &str)> = (0..400)
            .map(|i| {
                (
                    if i % 2 == 0 { "a" } else { "b" },
                    if (i / 2) % 2 == 0 { "f" } else { "m" },
                )
            })
            .collect();
        let (v, p) = association(&none);
        assert!(v < 1e-12, "{v}");
        assert!(p > 0.5, "{p}");
        // A 2×2 table by hand: [[30, 10], [10, 50]], χ² = 34.03, V = √0.3403 = 7/12.
        let mut hand = Vec::new();
        hand.extend(std::iter::repeat_n(("a", "f"), 30));
        hand.extend(std::iter::repeat_n(("a", "m"), 10));
        hand.extend(std::iter::repeat_n(("b", "f"), 10));
        hand.extend(std::iter::repeat_n(("b", "m"), 50));
        let (v, p) = association(&hand);
        assert!((v - 7.0 / 12.0).abs() < 1e-9, "{v}");
        // χ² = 34.03 on one degree of freedom: p = 5.4e-9 (R: pchisq(34.02778, 1, lower=FALSE)).
        assert!((p / 5.4e-9 - 1.0).abs() < 0.02, "{p}");
        assert_eq!(band("35", &[25.0, 35.0, 45.0]), "35-45");
        assert_eq!(band("18", &[25.0, 35.0]), "<25");
        assert_eq!(band("70", &[25.0, 35.0]), ">=35");
    }
}
