//! A generalised linear model with a log link over categorical factors, fitted by iteratively
//! reweighted least squares.
//!
//! Hand-written, not taken from a statistics crate, because a fitted table is re-derived at
//! every validation and must come out the same on any machine: the iteration, its start and its
//! stopping rule are fixed here, sums run in row order, the normal equations are solved by one
//! Cholesky factorisation, and `exp` and `ln` are `libm`'s (the same bits everywhere, where the
//! platform's may differ in the last place).
//!
//! The two families a rate needs:
//! - **Poisson** claim frequency: `y` the claims per unit of exposure, the prior weight the
//!   exposure. Its estimates are those of a Poisson GLM of the counts with `ln(exposure)` as an
//!   offset; the working weight is `w·μ`.
//! - **Gamma** severity: `y` the mean claim, the prior weight the number of claims; the working
//!   weight is `w`, and the dispersion is estimated from the Pearson residuals.

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Poisson,
    Gamma,
}

/// The design: an intercept and one indicator column per level that is not its factor's base.
/// Each row lists the columns it is 1 in (column 0, the intercept, always).
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// The columns' names: `(intercept)`, then `factor=level`.
    pub columns: Vec<String>,
    pub rows: Vec<Vec<usize>>,
    pub y: Vec<f64>,
    pub weight: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub coefficients: Vec<f64>,
    pub standard_errors: Vec<f64>,
    pub dispersion: f64,
    pub deviance: f64,
    pub iterations: u32,
}

#[derive(Debug, Error, PartialEq)]
pub enum GlmError {
    #[error("{0} has no data: it cannot be fitted (pool it with another level)")]
    Empty(String),
    #[error("{0} has no claims: its relativity is not estimable (pool it with another level)")]
    NoResponse(String),
    #[error("the factors are confounded (one is a combination of others): {0}")]
    Singular(String),
    #[error("the fit did not converge in {0} iterations")]
    NotConverged(u32),
}

const MAX_ITERATIONS: u32 = 50;
/// Relative change of the deviance at which the iteration stops (R's `glm` uses 1e-8).
const TOLERANCE: f64 = 1e-12;

pub fn fit(design: &Design, family: Family) -> Result<Fit, GlmError> {
    let p = design.columns.len();
    let n = design.rows.len();
    // Every column must have weight and, for a log link, some response.
    let mut column_weight = vec![0.0; p];
    let mut column_response = vec![0.0; p];
    for ((row, &w), &y) in design.rows.iter().zip(&design.weight).zip(&design.y) {
        for &j in row {
            column_weight[j] += w;
            column_response[j] += w * y;
        }
    }
    for j in 0..p {
        if column_weight[j] <= 0.0 {
            return Err(GlmError::Empty(design.columns[j].clone()));
        }
        if column_response[j] <= 0.0 {
            return Err(GlmError::NoResponse(design.columns[j].clone()));
        }
    }
    // Start at the overall weighted mean: every row's linear predictor is the intercept.
    let mean = column_response[0] / column_weight[0];
    let mut beta = vec![0.0; p];
    beta[0] = libm::log(mean);
    let mut deviance = f64::INFINITY;
    let mut information = vec![0.0; p * p];
    let mean_of = |beta: &[f64], row: &[usize]| libm::exp(row.iter().map(|&j| beta[j]).sum());
    for iteration in 1..=MAX_ITERATIONS {
        let mut xtwx = vec![0.0; p * p];
        let mut xtwz = vec![0.0; p];
        for ((row, &w), &y) in design.rows.iter().zip(&design.weight).zip(&design.y) {
            let eta: f64 = row.iter().map(|&j| beta[j]).sum();
            let mu = libm::exp(eta);
            let working = match family {
                Family::Poisson => w * mu,
                Family::Gamma => w,
            };
            let z = eta + (y - mu) / mu;
            for &a in row {
                xtwz[a] += working * z;
                for &b in row {
                    xtwx[a * p + b] += working;
                }
            }
        }
        let factor = cholesky(&xtwx, p).ok_or_else(|| GlmError::Singular(confounded(design)))?;
        beta = solve(&factor, p, &xtwz);
        information = xtwx;
        let next: f64 = design
            .rows
            .iter()
            .zip(&design.weight)
            .zip(&design.y)
            .map(|((row, &w), &y)| w * unit_deviance(family, y, mean_of(&beta, row)))
            .sum();
        let converged = (deviance - next).abs() <= TOLERANCE * (next.abs() + 0.1);
        deviance = next;
        if converged {
            let dispersion = match family {
                Family::Poisson => 1.0,
                Family::Gamma => {
                    let pearson: f64 = design
                        .rows
                        .iter()
                        .zip(&design.weight)
                        .zip(&design.y)
                        .map(|((row, &w), &y)| {
                            let mu = mean_of(&beta, row);
                            w * (y - mu) * (y - mu) / (mu * mu)
                        })
                        .sum();
                    if n > p {
                        pearson / (n - p) as f64
                    } else {
                        f64::NAN
                    }
                }
            };
            let factor =
                cholesky(&information, p).ok_or_else(|| GlmError::Singular(confounded(design)))?;
            let standard_errors = (0..p)
                .map(|j| {
                    let mut unit = vec![0.0; p];
                    unit[j] = 1.0;
                    libm::sqrt(dispersion * solve(&factor, p, &unit)[j])
                })
                .collect();
            return Ok(Fit {
                coefficients: beta,
                standard_errors,
                dispersion,
                deviance,
                iterations: iteration,
            });
        }
    }
    Err(GlmError::NotConverged(MAX_ITERATIONS))
}

fn unit_deviance(family: Family, y: f64, mu: f64) -> f64 {
    match family {
        Family::Poisson => {
            let term = if y > 0.0 { y * libm::log(y / mu) } else { 0.0 };
            2.0 * (term - (y - mu))
        }
        Family::Gamma => 2.0 * (-libm::log(y / mu) + (y - mu) / mu),
    }
}

fn confounded(design: &Design) -> String {
    design.columns[1..].join(", ")
}

/// The lower triangle `L` of `A = L·Lᵀ` (row-major, `p × p`); `None` when `A` is not positive
/// definite.
fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut sum = a[i * p + j];
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                // Relative to the diagonal: a column that is a combination of others leaves
                // only rounding here.
                if sum <= 1e-10 * a[i * p + i].abs() || sum <= 0.0 {
                    return None;
                }
                l[i * p + i] = libm::sqrt(sum);
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solves `L·Lᵀ·x = b`.
fn solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; p];
    for i in 0..p {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i * p + k] * y[k];
        }
        y[i] = sum / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let mut sum = y[i];
        for k in i + 1..p {
            sum -= l[k * p + i] * x[k];
        }
        x[i] = sum / l[i * p + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two factors, two levels each, saturated by cell means: the fit reproduces the cells'
    /// rates exactly, as any maximum-likelihood fit of a multiplicative model with no
    /// interaction does when the data are multiplicative.
    fn multiplicative(family: Family) -> Design {
        // rates: base 0.1, factor a level 1 ×2, factor b level 1 ×3
        let cells = [
            (vec![0], 0.1),
            (vec![0, 1], 0.2),
            (vec![0, 2], 0.3),
            (vec![0, 1, 2], 0.6),
        ];
        Design {
            columns: vec!["(intercept)".into(), "a=1".into(), "b=1".into()],
            rows: cells.iter().map(|(r, _)| r.clone()).collect(),
            y: cells.iter().map(|(_, y)| *y).collect(),
            weight: match family {
                Family::Poisson => vec![100.0, 50.0, 80.0, 20.0],
                Family::Gamma => vec![3.0, 5.0, 2.0, 7.0],
            },
        }
    }

    #[test]
    fn multiplicative_rates_are_recovered_exactly() {
        for family in [Family::Poisson, Family::Gamma] {
            let fit = fit(&multiplicative(family), family).unwrap();
            let relativities: Vec<f64> = fit.coefficients.iter().map(|b| b.exp()).collect();
            assert!(
                (relativities[0] - 0.1).abs() < 1e-12,
                "{family:?} {relativities:?}"
            );
            assert!(
                (relativities[1] - 2.0).abs() < 1e-12,
                "{family:?} {relativities:?}"
            );
            assert!(
                (relativities[2] - 3.0).abs() < 1e-12,
                "{family:?} {relativities:?}"
            );
        }
    }

    /// A Poisson fit of counts with exposure, not saturated: at the optimum the score equations
    /// hold, fitted claims equal observed claims on every column of the design.
    #[test]
    fn a_poisson_fit_with_exposure_matches_its_normal_equations() {
        let counts = [12.0, 30.0, 8.0, 25.0];
        let exposure = [100.0, 150.0, 40.0, 60.0];
        let design = Design {
            columns: vec!["(intercept)".into(), "a=1".into(), "b=1".into()],
            rows: vec![vec![0], vec![0, 1], vec![0, 2], vec![0, 1, 2]],
            y: counts.iter().zip(&exposure).map(|(c, e)| c / e).collect(),
            weight: exposure.to_vec(),
        };
        let fit = fit(&design, Family::Poisson).unwrap();
        // The score equations hold at the optimum: fitted counts sum to observed counts on
        // every column.
        for j in 0..3 {
            let (observed, fitted) =
                design
                    .rows
                    .iter()
                    .enumerate()
                    .fold((0.0, 0.0), |(o, f), (i, row)| {
                        if row.contains(&j) {
                            let mu: f64 =
                                row.iter().map(|&k| fit.coefficients[k]).sum::<f64>().exp();
                            (o + counts[i], f + mu * exposure[i])
                        } else {
                            (o, f)
                        }
                    });
            assert!(
                (observed - fitted).abs() < 1e-9,
                "column {j}: {observed} {fitted}"
            );
        }
        assert!(
            fit.standard_errors
                .iter()
                .all(|s| s.is_finite() && *s > 0.0)
        );
    }

    #[test]
    fn a_level_without_claims_or_data_is_named() {
        let mut design = multiplicative(Family::Poisson);
        design.y[1] = 0.0;
        design.y[3] = 0.0;
        assert_eq!(
            fit(&design, Family::Poisson),
            Err(GlmError::NoResponse("a=1".into()))
        );
        let mut design = multiplicative(Family::Poisson);
        design.columns.push("c=1".into());
        assert_eq!(
            fit(&design, Family::Poisson),
            Err(GlmError::Empty("c=1".into()))
        );
    }
}
