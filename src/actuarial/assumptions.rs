//! Assumptions files: the intensities, the interest rate, and how deferred and benefit periods
//! map onto the model. A documented TOML format (see `models/README.md`):
//!
//! ```toml
//! interest = 0.05                       # annual effective; above -1
//! [sickness]                            # μ01
//! law = "gompertz_makeham"              # a + b·exp(c·age)
//! a = 4e-4
//! b = 3.4674e-6
//! c = 0.138155
//! [recovery]                            # μ10
//! law = "multiple_of"
//! of = "sickness"
//! factor = 0.1
//! [death_healthy]                       # μ02
//! law = "gompertz_makeham"
//! ...
//! [death_sick]                          # μ12: also "zero", or "table" with ages and values
//! law = "table"
//! ages = [20, 60, 100]
//! values = [0.001, 0.01, 0.2]
//! ```

use serde::Deserialize;

use super::SicknessDeathModel;

/// One intensity as a function of age.
#[derive(Debug, Clone, PartialEq)]
pub enum Intensity {
    GompertzMakeham {
        a: f64,
        b: f64,
        c: f64,
    },
    Zero,
    /// A multiple of another intensity of the model.
    MultipleOf {
        of: String,
        factor: f64,
    },
    /// Tabulated by age, linear between points, flat beyond the ends.
    Table {
        ages: Vec<f64>,
        values: Vec<f64>,
    },
}

impl Intensity {
    /// The value at an age; a `MultipleOf` is resolved by the model.
    pub(super) fn base_value(&self, age: f64) -> f64 {
        match self {
            Intensity::GompertzMakeham { a, b, c } => a + b * (c * age).exp(),
            Intensity::Zero | Intensity::MultipleOf { .. } => 0.0,
            Intensity::Table { ages, values } => {
                let i = ages.partition_point(|a| *a <= age);
                match i {
                    0 => values[0],
                    i if i >= ages.len() => values[values.len() - 1],
                    i => {
                        let (a0, a1) = (ages[i - 1], ages[i]);
                        let (v0, v1) = (values[i - 1], values[i]);
                        v0 + (v1 - v0) * (age - a0) / (a1 - a0)
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntensity {
    law: Option<String>,
    a: Option<f64>,
    b: Option<f64>,
    c: Option<f64>,
    of: Option<String>,
    factor: Option<f64>,
    ages: Option<Vec<f64>>,
    values: Option<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssumptions {
    interest: f64,
    sickness: Option<RawIntensity>,
    recovery: Option<RawIntensity>,
    death_healthy: Option<RawIntensity>,
    death_sick: Option<RawIntensity>,
    #[serde(default)]
    derivation: Option<toml::Table>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{field}: {message}")]
pub struct AssumptionsError {
    /// The TOML field, e.g. `sickness.b`.
    pub field: String,
    pub message: String,
}

fn fault(field: &str, message: impl Into<String>) -> AssumptionsError {
    AssumptionsError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The parsed assumptions: the model, and the derivation settings (kept as TOML for `derive`).
#[derive(Debug, Clone, PartialEq)]
pub struct Assumptions {
    pub model: SicknessDeathModel,
    pub derivation: Option<toml::Table>,
}

const NAMES: [&str; 4] = ["sickness", "recovery", "death_healthy", "death_sick"];

fn intensity(name: &str, raw: Option<RawIntensity>) -> Result<Intensity, AssumptionsError> {
    let raw = raw.ok_or_else(|| fault(name, "missing: give its law"))?;
    let need = |value: Option<f64>, key: &str| -> Result<f64, AssumptionsError> {
        let value = value.ok_or_else(|| fault(&format!("{name}.{key}"), "missing"))?;
        if !value.is_finite() {
            return Err(fault(&format!("{name}.{key}"), "not a finite number"));
        }
        Ok(value)
    };
    let non_negative = |value: f64, key: &str| -> Result<f64, AssumptionsError> {
        if value < 0.0 {
            return Err(fault(
                &format!("{name}.{key}"),
                format!("{value} is negative: an intensity cannot be"),
            ));
        }
        Ok(value)
    };
    let law = raw.law.clone().ok_or_else(|| {
        fault(
            &format!("{name}.law"),
            "missing: gompertz_makeham, zero, multiple_of or table",
        )
    })?;
    match law.as_str() {
        "gompertz_makeham" => {
            let (a, b, c) = (need(raw.a, "a")?, need(raw.b, "b")?, need(raw.c, "c")?);
            Ok(Intensity::GompertzMakeham {
                a: non_negative(a, "a")?,
                b: non_negative(b, "b")?,
                c,
            })
        }
        "zero" => Ok(Intensity::Zero),
        "multiple_of" => {
            let of = raw
                .of
                .ok_or_else(|| fault(&format!("{name}.of"), "missing"))?;
            if !NAMES.contains(&of.as_str()) || of == name {
                return Err(fault(
                    &format!("{name}.of"),
                    format!("`{of}` is not another intensity of the model"),
                ));
            }
            let factor = non_negative(need(raw.factor, "factor")?, "factor")?;
            Ok(Intensity::MultipleOf { of, factor })
        }
        "table" => {
            let ages = raw
                .ages
                .ok_or_else(|| fault(&format!("{name}.ages"), "missing"))?;
            let values = raw
                .values
                .ok_or_else(|| fault(&format!("{name}.values"), "missing"))?;
            if ages.is_empty() || ages.len() != values.len() {
                return Err(fault(
                    &format!("{name}.values"),
                    "needs one value per age, and at least one",
                ));
            }
            if ages.windows(2).any(|w| w[1] <= w[0]) {
                return Err(fault(&format!("{name}.ages"), "ages must increase"));
            }
            if let Some(v) = values.iter().find(|v| **v < 0.0 || !v.is_finite()) {
                return Err(fault(
                    &format!("{name}.values"),
                    format!("{v} is not a non-negative number"),
                ));
            }
            Ok(Intensity::Table { ages, values })
        }
        other => Err(fault(
            &format!("{name}.law"),
            format!("`{other}` is not gompertz_makeham, zero, multiple_of or table"),
        )),
    }
}

impl Assumptions {
    pub fn parse(text: &str) -> Result<Self, AssumptionsError> {
        let raw: RawAssumptions =
            toml::from_str(text).map_err(|e| fault("assumptions", e.message()))?;
        if !raw.interest.is_finite() || raw.interest <= -1.0 {
            return Err(fault(
                "interest",
                format!(
                    "{} is not an annual effective rate above -100 %",
                    raw.interest
                ),
            ));
        }
        let model = SicknessDeathModel {
            sickness: intensity("sickness", raw.sickness)?,
            recovery: intensity("recovery", raw.recovery)?,
            death_healthy: intensity("death_healthy", raw.death_healthy)?,
            death_sick: intensity("death_sick", raw.death_sick)?,
            interest: raw.interest,
        };
        // A multiple of a multiple would be circular or ambiguous.
        for (name, i) in NAMES.iter().zip([
            &model.sickness,
            &model.recovery,
            &model.death_healthy,
            &model.death_sick,
        ]) {
            if let Intensity::MultipleOf { of, .. } = i {
                let target = match of.as_str() {
                    "sickness" => &model.sickness,
                    "recovery" => &model.recovery,
                    "death_healthy" => &model.death_healthy,
                    _ => &model.death_sick,
                };
                if matches!(target, Intensity::MultipleOf { .. }) {
                    return Err(fault(
                        &format!("{name}.of"),
                        format!("`{of}` is itself a multiple"),
                    ));
                }
            }
        }
        Ok(Assumptions {
            model,
            derivation: raw.derivation,
        })
    }
}
