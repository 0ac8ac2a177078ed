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

/// The contingency table of (input value, group) pairs, counted as they come: values and groups
/// are numbered in the order they first appear, so that a book counted part by part gives the
/// same table, and the same χ² to the last bit, as the book at once.
#[derive(Debug, Clone, Default)]
pub struct Contingency {
    inputs: BTreeMap<String, u32>,
    groups: BTreeMap<String, u32>,
    cells: BTreeMap<(u32, u32), u64>,
    n: u64,
}

impl Contingency {
    pub fn add(&mut self, input: &str, group: &str) {
        let input = code(&mut self.inputs, input);
        let group = code(&mut self.groups, group);
        *self.cells.entry((input, group)).or_default() += 1;
        self.n += 1;
    }

    /// Pearson's χ² and Cramér's V: √(χ² / (n · (min(r, c) − 1))).
    fn chi_square(&self) -> (f64, f64) {
        let (rows, columns) = (self.inputs.len(), self.groups.len());
        if self.n == 0 || rows < 2 || columns < 2 {
            return (0.0, 0.0);
        }
        let mut row_totals = vec![0u64; rows];
        let mut column_totals = vec![0u64; columns];
        for (&(i, g), &count) in &self.cells {
            row_totals[i as usize] += count;
            column_totals[g as usize] += count;
        }
        let n = self.n as f64;
        let mut chi = 0.0;
        for (r, &row_total) in row_totals.iter().enumerate() {
            for (c, &column_total) in column_totals.iter().enumerate() {
                let expected = row_total as f64 * column_total as f64 / n;
                if expected > 0.0 {
                    let observed = self.cells.get(&(r as u32, c as u32)).copied().unwrap_or(0);
                    let d = observed as f64 - expected;
                    chi += d * d / expected;
                }
            }
        }
        let k = rows.min(columns) as f64 - 1.0;
        (chi, (chi / (n * k)).sqrt())
    }

    /// Cramér's V, and the p-value of independence: the chance of a χ² at least as large, on
    /// (r − 1)(c − 1) degrees of freedom.
    pub fn association(&self) -> (f64, f64) {
        let (chi, v) = self.chi_square();
        let freedom =
            (self.inputs.len().saturating_sub(1) * self.groups.len().saturating_sub(1)) as f64;
        let p = match ChiSquared::new(freedom) {
            Ok(distribution) if freedom > 0.0 => distribution.sf(chi),
            _ => 1.0,
        };
        (v, p)
    }
}

/// The number of a value, a new one the next number.
fn code(codes: &mut BTreeMap<String, u32>, value: &str) -> u32 {
    if let Some(&number) = codes.get(value) {
        return number;
    }
    let number = codes.len() as u32;
    codes.insert(value.to_owned(), number);
    number
}

/// Cramér's V of the pairs (input value, group), and the p-value of independence.
pub fn association(pairs: &[(&str, &str)]) -> (f64, f64) {
    let mut table = Contingency::default();
    for (input, group) in pairs {
        table.add(input, group);
    }
    table.association()
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
