//! The actuarial basis of income protection: a sickness–death multiple-state model
//! (0 healthy, 1 sick, 2 dead), solved by Kolmogorov's forward equations with an adaptive
//! Dormand–Prince step, and the expected present values that price cover from it.
//!
//! Pure: no files, no gRPC. `assumptions` reads the intensities from a TOML file.

pub mod assumptions;
pub mod derive;
mod solver;

pub use assumptions::{Assumptions, AssumptionsError, Intensity};
pub use solver::{Epv, StartState, epv};

/// The transition intensities of the model, each a function of attained age.
#[derive(Debug, Clone, PartialEq)]
pub struct SicknessDeathModel {
    pub sickness: Intensity,
    pub recovery: Intensity,
    pub death_healthy: Intensity,
    pub death_sick: Intensity,
    /// Annual effective interest rate.
    pub interest: f64,
}

impl SicknessDeathModel {
    /// (μ01, μ10, μ02, μ12) at an age.
    pub fn intensities(&self, age: f64) -> [f64; 4] {
        let base = |i: &Intensity| i.base_value(age);
        let (s, r, d0, d1) = (
            base(&self.sickness),
            base(&self.recovery),
            base(&self.death_healthy),
            base(&self.death_sick),
        );
        let resolve = |i: &Intensity, own: f64| match i {
            Intensity::MultipleOf { of, factor } => {
                factor
                    * match of.as_str() {
                        "sickness" => s,
                        "recovery" => r,
                        "death_healthy" => d0,
                        "death_sick" => d1,
                        _ => 0.0,
                    }
            }
            _ => own,
        };
        [
            resolve(&self.sickness, s),
            resolve(&self.recovery, r),
            resolve(&self.death_healthy, d0),
            resolve(&self.death_sick, d1),
        ]
    }
}

/// The level annual premium, paid continuously while healthy, for `sick_benefit` a year while
/// sick and `death_benefit` on death: (B1·ā01 + B2·Ā02) / ā00, from EPVs starting healthy.
pub fn level_premium(sick_benefit: f64, death_benefit: f64, healthy: &Epv) -> f64 {
    (sick_benefit * healthy.annuity_sick + death_benefit * healthy.death_benefit)
        / healthy.annuity_healthy
}

/// The reserve for a life now sick: B1·ā11 + B2·Ā12 − P·ā10, from EPVs starting sick.
pub fn reserve_when_sick(sick_benefit: f64, death_benefit: f64, premium: f64, sick: &Epv) -> f64 {
    sick_benefit * sick.annuity_sick + death_benefit * sick.death_benefit
        - premium * sick.annuity_healthy
}
