//! A realistic synthetic portfolio of any size, the same for the same seed on any machine
//! (ChaCha8), for impact analysis and fairness reports when no real book is at hand.
//!
//! Half liability, half income protection; three in five insureds in an intimacy profession;
//! turnovers (median 45,000 EUR) and incomes (median 4,500 EUR a month for the self-employed,
//! 6,000 for employees: those who buy a top-up) log-normal; a few claims. Income protection insures 60 % to 100 % of the room the cap (80 %
//! of income) leaves beside the statutory benefit, except one application in 33 that asks for
//! more and those whose statutory benefit alone reaches the cap, which are declined; one
//! applicant in ten does not give a family situation; employees mostly choose the deferred
//! periods after their employer's guaranteed month, the self-employed shorter ones. Ages run to
//! 65 where cover ends at 60, so that declines and referrals appear. The audit-only group
//! columns are drawn after the rating inputs, as `groups.toml` (or the caller's file) says:
//! each from weights that may depend on one rating input, so that a report has something to
//! find; they are never priced.

use std::borrow::Cow;
use std::collections::BTreeMap;

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const INTIMACY: &[&str] = &[
    "escort_companion",
    "erotic_tantric_massage",
    "bdsm_fetish_work",
    "erotic_dance_striptease",
    "webcam_online_content",
    "window_venue_work",
];
const COMPARATORS: &[&str] = &[
    "office_worker",
    "beautician",
    "massage_therapist",
    "physiotherapist",
    "personal_care_worker",
    "nurse",
    "dancer_performer",
    "personal_trainer",
];
const SETTINGS: &[&str] = &["own_premises", "client_premises", "venue", "online_only"];
const MEASURES: &[&str] = &[
    "safety_training",
    "screening_protocol",
    "hygiene_protocol",
    "panic_button_or_reference_person",
    "peer_network",
];
const LIMITS: &[(&str, f64)] = &[
    ("500000", 0.25),
    ("1000000", 0.5),
    ("2500000", 0.2),
    ("5000000", 0.05),
];
const DEDUCTIBLES: &[(&str, f64)] = &[("0", 0.2), ("250", 0.4), ("500", 0.3), ("1000", 0.1)];
const CLAIMS: &[(u32, f64)] = &[(0, 0.8), (1, 0.13), (2, 0.05), (3, 0.015), (4, 0.005)];
const DEFERRED: &[(&str, f64)] = &[
    ("7", 0.05),
    ("14", 0.1),
    ("30", 0.35),
    ("60", 0.2),
    ("90", 0.15),
    ("180", 0.1),
    ("365", 0.05),
];
const PERIODS: &[(&str, f64)] = &[("2_years", 0.3), ("5_years", 0.45), ("to_age_65", 0.25)];
/// Employees: the employer pays the first month, so a deferred period of 30 days or more.
const DEFERRED_EMPLOYEE: &[(&str, f64)] = &[
    ("7", 0.01),
    ("14", 0.01),
    ("30", 0.50),
    ("60", 0.20),
    ("90", 0.15),
    ("180", 0.10),
    ("365", 0.03),
];
/// The share of income-protection applications that ask for more than the product's cap.
const OVER_CAP: f64 = 0.03;
/// Family situations as applicants give them; `None`, one in ten, does not say.
const FAMILY: &[(Option<&str>, f64)] = &[
    (Some("with_dependants"), 0.35),
    (Some("single"), 0.35),
    (Some("cohabiting"), 0.20),
    (None, 0.10),
];

/// About the statutory benefit a month the default tables count (`statutory_benefits.csv`):
/// what an applicant's choice of benefit is drawn against, not a price.
fn statutory(employee: bool, family: &str, income: f64) -> f64 {
    if employee {
        0.60 * income.min(26.0 * 170.0)
    } else {
        26.0 * match family {
            "with_dependants" => 77.95,
            "single" => 61.77,
            _ => 47.38,
        }
    }
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, f64)]) -> T {
    let mut draw: f64 = rng.random();
    for (value, weight) in choices {
        if draw < *weight {
            return *value;
        }
        draw -= weight;
    }
    choices[choices.len() - 1].0
}

/// A log-normal draw with the given median, by Box–Muller.
fn log_normal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    let (u, v): (f64, f64) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random());
    let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
    median * (sigma * normal).exp()
}

fn round_to(value: f64, step: f64) -> String {
    format!("{:.0}", (value / step).round() * step)
}

/// `size` applications, rated on `rating_date`, with the built-in group model.
pub fn generate(size: usize, seed: u64, rating_date: chrono::NaiveDate) -> PolarsResult<DataFrame> {
    generate_with(size, seed, rating_date, &GroupModel::built_in())
}

/// `size` applications, rated on `rating_date`, their groups drawn as `groups` says.
pub fn generate_with(
    size: usize,
    seed: u64,
    rating_date: chrono::NaiveDate,
    groups: &GroupModel,
) -> PolarsResult<DataFrame> {
    Generator::new(size, seed, rating_date, groups).draw(size)
}

/// A book drawn a part at a time, for books larger than memory: the same rows, in the same
/// order, whatever the parts, since every row is drawn from one stream of random numbers.
pub struct Generator<'a> {
    rng: ChaCha8Rng,
    groups: &'a GroupModel,
    /// For each group, the rating input its weights depend on.
    given: Vec<Option<usize>>,
    date: String,
    next: usize,
    size: usize,
}

impl<'a> Generator<'a> {
    pub fn new(
        size: usize,
        seed: u64,
        rating_date: chrono::NaiveDate,
        groups: &'a GroupModel,
    ) -> Self {
        debug_assert_eq!(super::COLUMNS[20], "family_situation");
        let given = groups
            .attribute
            .iter()
            .map(|a| {
                a.given
                    .as_deref()
                    .and_then(|g| super::COLUMNS.iter().position(|c| *c == g))
            })
            .collect();
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            groups,
            given,
            date: rating_date.to_string(),
            next: 0,
            size,
        }
    }

    fn names(&self) -> impl Iterator<Item = String> + '_ {
        super::COLUMNS
            .iter()
            .map(|c| c.to_string())
            .chain(self.groups.attribute.iter().map(|a| a.name.clone()))
    }

    /// The columns of the book, every one text.
    pub fn schema(&self) -> Schema {
        self.names()
            .map(|name| Field::new(name.into(), DataType::String))
            .collect()
    }

    /// The next part of at most `rows` applications, or `None` when the book is drawn.
    pub fn next_part(&mut self, rows: usize) -> Option<PolarsResult<DataFrame>> {
        (self.next < self.size).then(|| self.draw(rows.max(1)))
    }

    /// The next `rows` applications (fewer at the end of the book).
    fn draw(&mut self, rows: usize) -> PolarsResult<DataFrame> {
        let rows = rows.min(self.size - self.next);
        let width = super::COLUMNS.len() + self.groups.attribute.len();
        let mut columns: Vec<Vec<Option<Cow<str>>>> = vec![Vec::with_capacity(rows); width];
        // A cell drawn from a list is the list's own text: only numbers and ids are made.
        let mut row: Vec<Option<Cow<str>>> = vec![None; width];
        let groups = self.groups;
        for i in self.next..self.next + rows {
            let (rng, date) = (&mut self.rng, self.date.as_str());
            let liability = rng.random_bool(0.5);
            let occupation = if rng.random_bool(0.6) {
                INTIMACY[rng.random_range(0..INTIMACY.len())]
            } else {
                COMPARATORS[rng.random_range(0..COMPARATORS.len())]
            };
            row[0] = Some(format!("P{i:09}").into());
            row[1] = Some(
                if liability {
                    "liability"
                } else {
                    "income_protection"
                }
                .into(),
            );
            row[2] = Some(Cow::Borrowed(date));
            row[3] = Some(
                if rng.random_bool(0.3) {
                    "renewal"
                } else {
                    "new_business"
                }
                .into(),
            );
            row[4] = Some(
                if rng.random_bool(0.4) {
                    "monthly"
                } else {
                    "annual"
                }
                .into(),
            );
            row[5] = Some(occupation.into());
            if liability {
                row[6] = Some(weighted(rng, CLAIMS).to_string().into());
                row[7] = Some(SETTINGS[rng.random_range(0..SETTINGS.len())].into());
                row[8] = Some(round_to(log_normal(rng, 45_000.0, 0.6), 100.0).into());
                row[9] = Some(weighted(rng, LIMITS).into());
                row[10] = Some(weighted(rng, DEDUCTIBLES).into());
                row[11] = Some(rng.random_range(0..25u32).to_string().into());
                let measures: Vec<&str> = MEASURES
                    .iter()
                    .copied()
                    .filter(|_| rng.random_bool(0.45))
                    .collect();
                row[12] = Some(measures.join(";").into());
            } else {
                row[6] = Some(
                    weighted(rng, &[(0u32, 0.88), (1, 0.09), (2, 0.03)])
                        .to_string()
                        .into(),
                );
                let employee = rng.random_bool(0.35);
                // Employees who buy a top-up mostly earn above the statutory pay cap, where the
                // mutual insurer's 60 % stops growing.
                let median = if employee { 6_000.0 } else { 4_500.0 };
                let income = (log_normal(rng, median, 0.45).max(600.0) / 10.0).round() * 10.0;
                row[13] = Some(rng.random_range(18..66u32).to_string().into());
                row[14] = Some(
                    if employee {
                        "employee"
                    } else {
                        "self_employed"
                    }
                    .into(),
                );
                row[15] = Some(format!("{income:.0}").into());
                let family = weighted(rng, FAMILY);
                row[20] = family.map(Cow::Borrowed);
                // The room the cap leaves beside the statutory benefit (absent, the highest).
                let room =
                    0.8 * income - statutory(employee, family.unwrap_or("with_dependants"), income);
                let benefit = if room < 50.0 {
                    // The statutory benefit alone reaches the cap: any benefit is declined.
                    rng.random_range(1..6u32) as f64 * 50.0
                } else if rng.random_bool(OVER_CAP) {
                    ((room * rng.random_range(1.05..1.5) / 50.0).ceil() * 50.0).max(100.0)
                } else {
                    // Rounded down to 50 EUR, so that rounding never lifts a benefit over the cap.
                    ((room * rng.random_range(0.60..1.0) / 50.0).floor() * 50.0).max(50.0)
                };
                row[16] = Some(format!("{benefit:.0}").into());
                row[17] = Some(
                    weighted(
                        rng,
                        if employee {
                            DEFERRED_EMPLOYEE
                        } else {
                            DEFERRED
                        },
                    )
                    .into(),
                );
                row[18] = Some(weighted(rng, PERIODS).into());
                row[19] = Some(if rng.random_bool(0.25) { "yes" } else { "no" }.into());
            }
            for (at, attribute) in groups.attribute.iter().enumerate() {
                let by = self.given[at]
                    .and_then(|column| row[column].as_deref())
                    .and_then(|value| attribute.by.get(value));
                let weights = by.unwrap_or(&attribute.default);
                row[super::COLUMNS.len() + at] = Some(Cow::Borrowed(weighted_group(rng, weights)));
            }
            for (column, value) in columns.iter_mut().zip(row.iter_mut()) {
                column.push(value.take());
            }
        }
        self.next += rows;
        let columns = self
            .names()
            .zip(columns)
            .map(|(name, values)| {
                let cells: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
                Column::new(name.into(), cells)
            })
            .collect();
        DataFrame::new(rows, columns)
    }
}

fn weighted_group<'a>(rng: &mut ChaCha8Rng, weights: &'a BTreeMap<String, f64>) -> &'a str {
    let mut draw: f64 = rng.random();
    for (value, weight) in weights {
        if draw < *weight {
            return value;
        }
        draw -= weight;
    }
    weights.keys().last().map_or("", String::as_str)
}

/// How the audit-only group columns of a generated book are drawn (`groups.toml`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupModel {
    pub attribute: Vec<GroupAttribute>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupAttribute {
    /// The column's name: not a rating input.
    pub name: String,
    /// The rating input whose value the weights depend on, if any.
    #[serde(default)]
    pub given: Option<String>,
    /// The weights of each value when `given` has no entry in `by`.
    pub default: BTreeMap<String, f64>,
    /// The weights for a value of `given`.
    #[serde(default)]
    pub by: BTreeMap<String, BTreeMap<String, f64>>,
}

const BUILT_IN: &str = include_str!("groups.toml");

impl GroupModel {
    /// The model in `src/portfolio/groups.toml`.
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN).expect("the built-in group model is valid")
    }

    /// Reads and checks a group model: every name new, every `given` a rating input, every
    /// distribution's weights non-negative and adding up to 1.
    pub fn parse(text: &str) -> Result<Self, String> {
        let model: GroupModel = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut names = std::collections::BTreeSet::new();
        for attribute in &model.attribute {
            let name = &attribute.name;
            if super::COLUMNS.contains(&name.as_str()) || name == "insurer_reference" {
                return Err(format!("`{name}` is a rating input, not a group"));
            }
            if !names.insert(name.clone()) {
                return Err(format!("`{name}` is given twice"));
            }
            if let Some(given) = &attribute.given
                && !super::COLUMNS.contains(&given.as_str())
            {
                return Err(format!(
                    "{name}: given = `{given}` is not a rating input ({})",
                    super::COLUMNS.join(", ")
                ));
            }
            let distributions = std::iter::once(("default".to_owned(), &attribute.default)).chain(
                attribute
                    .by
                    .iter()
                    .map(|(value, weights)| (format!("by.{value}"), weights)),
            );
            for (place, weights) in distributions {
                let total: f64 = weights.values().sum();
                if weights.is_empty()
                    || weights.values().any(|w| !w.is_finite() || *w < 0.0)
                    || (total - 1.0).abs() > 1e-9
                {
                    return Err(format!(
                        "{name}.{place}: the weights must be non-negative and add up to 1 (they add up to {total})"
                    ));
                }
            }
        }
        Ok(model)
    }

    /// How the groups were drawn, in a sentence for a report.
    pub fn describe(&self) -> String {
        self.attribute
            .iter()
            .map(|a| match &a.given {
                Some(given) => format!(
                    "{} drawn by {given} ({} values of {given} with weights of their own, the rest {})",
                    a.name,
                    a.by.len(),
                    weights(&a.default)
                ),
                None => format!("{} drawn independently ({})", a.name, weights(&a.default)),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn weights(w: &BTreeMap<String, f64>) -> String {
    w.iter()
        .map(|(value, weight)| format!("{value} {weight}"))
        .collect::<Vec<_>>()
        .join(", ")
}
