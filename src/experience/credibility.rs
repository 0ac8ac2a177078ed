//! Credibility: how far a group's own experience is believed against its complement, here an
//! intimacy profession's claims against its comparator's class (`docs/EXPERIENCE.md`).
//!
//! - **Bühlmann–Straub** (the primary method): occupations are the risks, underwriting years the
//!   observations, `X = actual / expected claims` with the expected claims as weights. The
//!   within-variance `v` and the between-variance `a` are the unbiased estimators of Bühlmann and
//!   Gisler (2005, §4.8); `K = v / a` and `Z = w / (w + K)`. When `a` is estimated at zero or
//!   below, the occupations do not differ beyond chance and every `Z` is 0.
//! - **Limited fluctuation** (the second method): full credibility at `n = (z / k)²` claims for a
//!   probability `p` of being within `k` of the truth (`z` the normal quantile at `(1 + p) / 2`;
//!   1082 claims for 90 % within 5 %), partial credibility `Z = √(claims / n)`.
//! - The observed relativity's interval is the exact Poisson (Garwood) interval of the claims,
//!   divided by the expected claims.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// One occupation's experience in one underwriting year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub actual: f64,
    pub expected: f64,
}

/// The structural parameters estimated from every occupation's years.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Structure {
    /// Expected variance within an occupation (per unit of weight).
    pub within: f64,
    /// Variance of the true relativities between occupations; at most 0 means none is seen.
    pub between: f64,
    /// `within / between`, in expected claims; infinite when `between <= 0`.
    pub k: f64,
    /// The weighted mean relativity of every occupation.
    pub mean: f64,
}

/// Bühlmann–Straub's structural parameters over the occupations' years (each inner slice one
/// occupation). Occupations with one year only add to the between-variance, not the within.
pub fn buhlmann_straub(risks: &[Vec<Observation>]) -> Option<Structure> {
    let risks: Vec<&Vec<Observation>> = risks
        .iter()
        .filter(|years| years.iter().any(|o| o.expected > 0.0))
        .collect();
    let mut within_sum = 0.0;
    let mut within_df = 0.0;
    let mut totals = Vec::with_capacity(risks.len());
    for years in &risks {
        let years: Vec<&Observation> = years.iter().filter(|o| o.expected > 0.0).collect();
        let weight: f64 = years.iter().map(|o| o.expected).sum();
        let mean = years.iter().map(|o| o.actual).sum::<f64>() / weight;
        for o in &years {
            let x = o.actual / o.expected;
            within_sum += o.expected * (x - mean) * (x - mean);
        }
        within_df += (years.len() - 1) as f64;
        totals.push((weight, mean));
    }
    if totals.len() < 2 || within_df <= 0.0 {
        return None;
    }
    let within = within_sum / within_df;
    let weight: f64 = totals.iter().map(|(w, _)| w).sum();
    let mean = totals.iter().map(|(w, x)| w * x).sum::<f64>() / weight;
    let spread: f64 = totals
        .iter()
        .map(|(w, x)| w * (x - mean) * (x - mean))
        .sum();
    let concentration = weight - totals.iter().map(|(w, _)| w * w).sum::<f64>() / weight;
    let between = (spread - within * (totals.len() - 1) as f64) / concentration;
    let k = if between > 0.0 {
        within / between
    } else {
        f64::INFINITY
    };
    Some(Structure {
        within,
        between,
        k,
        mean,
    })
}

impl Structure {
    /// The credibility of a risk with `weight` expected claims.
    pub fn z(&self, weight: f64) -> f64 {
        if self.k.is_finite() {
            weight / (weight + self.k)
        } else {
            0.0
        }
    }

    /// The expected claims at which the credibility reaches `z` (< 1).
    pub fn weight_for(&self, z: f64) -> Option<f64> {
        (self.k.is_finite() && z < 1.0).then(|| self.k * z / (1.0 - z))
    }
}

/// The limited-fluctuation standard: `probability` of being within `within` of the truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitedFluctuation {
    pub probability: f64,
    pub within: f64,
}

impl LimitedFluctuation {
    pub const STANDARD: LimitedFluctuation = LimitedFluctuation {
        probability: 0.90,
        within: 0.05,
    };

    /// The claims for full credibility: `(z / k)²`.
    pub fn full(&self) -> f64 {
        let normal = Normal::new(0.0, 1.0).expect("the standard normal");
        let z = normal.inverse_cdf((1.0 + self.probability) / 2.0);
        (z / self.within).powi(2)
    }

    pub fn z(&self, claims: f64) -> f64 {
        (claims / self.full()).sqrt().min(1.0)
    }
}

/// The exact (Garwood) two-sided interval of a Poisson mean given `count`, at `level`.
pub fn poisson_interval(count: f64, level: f64) -> (f64, f64) {
    let tail = (1.0 - level) / 2.0;
    let lower = if count > 0.0 {
        ChiSquared::new(2.0 * count)
            .map(|d| d.inverse_cdf(tail) / 2.0)
            .unwrap_or(0.0)
    } else {
        0.0
    };
    let upper = ChiSquared::new(2.0 * count + 2.0)
        .map(|d| d.inverse_cdf(1.0 - tail) / 2.0)
        .unwrap_or(f64::INFINITY);
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_credibility_is_1082_claims_at_the_classic_standard() {
        let full = LimitedFluctuation::STANDARD.full();
        assert!((full - 1082.19).abs() < 0.1, "{full}");
        assert!((LimitedFluctuation::STANDARD.z(full / 4.0) - 0.5).abs() < 1e-12);
        assert_eq!(LimitedFluctuation::STANDARD.z(5000.0), 1.0);
    }

    #[test]
    fn the_garwood_interval_matches_published_values() {
        // Published exact 95 % limits: 0 → (0, 3.689), 1 → (0.0253, 5.572), 10 → (4.795, 18.39).
        let (l, u) = poisson_interval(0.0, 0.95);
        assert_eq!(l, 0.0);
        assert!((u - 3.689).abs() < 1e-3, "{u}");
        let (l, u) = poisson_interval(1.0, 0.95);
        assert!(
            (l - 0.0253).abs() < 1e-4 && (u - 5.572).abs() < 1e-3,
            "{l} {u}"
        );
        let (l, u) = poisson_interval(10.0, 0.95);
        assert!(
            (l - 4.795).abs() < 1e-3 && (u - 18.39).abs() < 1e-2,
            "{l} {u}"
        );
    }

    /// Bühlmann and Gisler's estimators on a case computed by hand: two risks of two years, each
    /// year weight 1. Risk A: 1, 3 (mean 2); risk B: 5, 7 (mean 6). Within: (1+1+1+1)/2 = 2.
    /// Between: (2·4 + 2·4 − 2·1) / (4 − 8/4) = 14 / 2 = 7. K = 2/7.
    #[test]
    fn buhlmann_straub_estimators_by_hand() {
        let risk = |a: f64, b: f64| {
            vec![
                Observation {
                    actual: a,
                    expected: 1.0,
                },
                Observation {
                    actual: b,
                    expected: 1.0,
                },
            ]
        };
        let s = buhlmann_straub(&[risk(1.0, 3.0), risk(5.0, 7.0)]).unwrap();
        assert!((s.within - 2.0).abs() < 1e-12, "{s:?}");
        assert!((s.between - 7.0).abs() < 1e-12, "{s:?}");
        assert!((s.k - 2.0 / 7.0).abs() < 1e-12, "{s:?}");
        assert!((s.z(2.0) - 2.0 / (2.0 + 2.0 / 7.0)).abs() < 1e-12);
        // Risks that differ by less than chance: no credibility at all.
        let s = buhlmann_straub(&[risk(1.0, 7.0), risk(3.0, 5.0)]).unwrap();
        assert!(s.between <= 0.0 && s.z(100.0) == 0.0, "{s:?}");
    }
}
