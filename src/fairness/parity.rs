//! Occupation parity: every intimacy profession priced against its comparator over the full
//! grid of the other rating inputs. Equal in every cell, or each difference is covered by a
//! justification record of the model, or it is flagged.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::domain::{
    BenefitPeriod, Decision, EmploymentStatus, IncomeProtectionApplication, IncomeProtectionFields,
    LiabilityApplication, LiabilityFields, PaymentFrequency, Product, ProductApplication,
    QuoteRequest, RiskMeasure, TransactionType, WorkSetting,
};
use crate::rating::book::{Justification, OccupationCatalog};
use crate::rating::{self, RateBooks};

const EXAMPLES: usize = 20;
const TURNOVERS: [i64; 4] = [20_000, 60_000, 150_000, 300_000];
const BENEFITS: [i64; 2] = [1_000, 3_000];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferingCell {
    /// The other rating inputs of the cell.
    pub inputs: String,
    pub profession_decision: String,
    pub comparator_decision: String,
    pub profession_total: Option<String>,
    pub comparator_total: Option<String>,
    pub ratio: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairParity {
    pub product: Product,
    pub profession: String,
    pub comparator: String,
    pub cells: u64,
    pub min_ratio: f64,
    pub max_ratio: f64,
    pub mean_ratio: f64,
    /// Cells whose premium or decision differs.
    pub differing_cells: u64,
    /// `equal`, `justified` (every difference covered by a justification record) or `flagged`.
    pub verdict: String,
    pub justification: Option<Justification>,
    /// The first differing cells.
    pub examples: Vec<DifferingCell>,
}

/// The occupation of a grid cell before each pair sets its own.
const TEMPLATE: &str = "template";

/// Every other input of a liability application, with a description.
fn liability_grid(books: &RateBooks) -> Vec<(String, LiabilityApplication)> {
    let book = &books.liability;
    let max_claims = book
        .experience_factors
        .iter()
        .map(|b| b.max)
        .max()
        .unwrap_or(0);
    let mut measure_sets = Vec::new();
    for mask in 0u32..(1 << RiskMeasure::ALL.len()) {
        let set: BTreeSet<RiskMeasure> = RiskMeasure::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, m)| *m)
            .collect();
        measure_sets.push(set);
    }
    let mut grid = Vec::new();
    for setting in WorkSetting::ALL {
        for limit in book.increased_limit_factors.keys() {
            for deductible in book.deductible_factors.keys() {
                for claims in 0..=max_claims + 1 {
                    for turnover in TURNOVERS {
                        for measures in &measure_sets {
                            // The occupation is set per pair; an input beyond the domain's
                            // bounds is no cell of the grid.
                            let Ok(application) = LiabilityApplication::new(LiabilityFields {
                                occupation: Some(TEMPLATE.into()),
                                work_setting: Some(setting),
                                annual_turnover: Some(Decimal::from(turnover)),
                                limit_of_indemnity: Some(*limit),
                                deductible: Some(*deductible),
                                claims_last_5_years: Some(claims),
                                years_of_activity: Some(5),
                                risk_measures: measures.clone(),
                            }) else {
                                continue;
                            };
                            grid.push((
                                format!(
                                    "work_setting={}, turnover={turnover}, limit={limit}, deductible={deductible}, claims={claims}, measures={}",
                                    setting.code(),
                                    measures.iter().map(|m| m.code()).collect::<Vec<_>>().join("+")
                                ),
                                application,
                            ));
                        }
                    }
                }
            }
        }
    }
    grid
}

/// Every other input of an income-protection application: each age, deferred and benefit
/// period, smoker or not, employee or not, two benefit levels.
fn income_protection_grid(books: &RateBooks) -> Vec<(String, IncomeProtectionApplication)> {
    let book = &books.income_protection;
    let rules = &book.eligibility;
    let mut grid = Vec::new();
    for age in rules.min_age.saturating_sub(1)..=rules.max_age + 1 {
        for deferred in book.deferred_periods() {
            for period in BenefitPeriod::ALL {
                for smoker in [false, true] {
                    for status in [EmploymentStatus::Employee, EmploymentStatus::SelfEmployed] {
                        for benefit in BENEFITS {
                            let Ok(application) =
                                IncomeProtectionApplication::new(IncomeProtectionFields {
                                    age: Some(age),
                                    occupation: Some(TEMPLATE.into()),
                                    employment_status: Some(status),
                                    // Income far above the benefit, so that the cap (which
                                    // no occupation changes) never hides a price.
                                    average_monthly_income: Some(Decimal::from(
                                        benefit * 2 + 100_000,
                                    )),
                                    monthly_benefit: Some(Decimal::from(benefit)),
                                    deferred_period_days: Some(deferred),
                                    benefit_period: Some(period),
                                    smoker: Some(smoker),
                                    claims_last_5_years: Some(0),
                                    family_situation: None,
                                })
                            else {
                                continue;
                            };
                            grid.push((
                                format!(
                                    "age={age}, deferred={deferred}, period={}, smoker={smoker}, status={}, benefit={benefit}",
                                    period.code(),
                                    status.code()
                                ),
                                application,
                            ));
                        }
                    }
                }
            }
        }
    }
    grid
}

fn price(
    books: &RateBooks,
    date: NaiveDate,
    application: ProductApplication,
) -> Option<(Decision, Option<Decimal>)> {
    let request = QuoteRequest {
        rating_date: date,
        transaction_type: TransactionType::NewBusiness,
        payment_frequency: PaymentFrequency::Annual,
        model_version: None,
        language: crate::domain::Language::En,
        application,
    };
    rating::quote_figures(books, &request, date)
        .ok()
        .map(|q| (q.decision, q.premium.map(|p| p.total)))
}

fn pairs(
    books: &RateBooks,
    product: Product,
    catalog: &OccupationCatalog,
    justifications: &std::collections::BTreeMap<String, Justification>,
    date: NaiveDate,
    cells: &[(String, ProductApplication)],
) -> Vec<PairParity> {
    let with = |application: &ProductApplication, occupation: &str| match application {
        ProductApplication::Liability(l) => l
            .with_occupation(occupation)
            .ok()
            .map(ProductApplication::Liability),
        ProductApplication::IncomeProtection(i) => i
            .with_occupation(occupation)
            .ok()
            .map(ProductApplication::IncomeProtection),
    };
    catalog
        .parity_pairs()
        .map(|(profession, comparator)| {
            let (mut min, mut max, mut sum, mut priced) =
                (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0u64);
            let mut differing = 0;
            let mut examples = Vec::new();
            for (inputs, application) in cells {
                let ours = with(application, &profession.code).and_then(|a| price(books, date, a));
                let theirs =
                    with(application, &comparator.code).and_then(|a| price(books, date, a));
                let (Some((our_decision, our_total)), Some((their_decision, their_total))) =
                    (ours, theirs)
                else {
                    continue;
                };
                let ratio = match (our_total, their_total) {
                    (Some(a), Some(b)) if !b.is_zero() => (a / b).to_f64(),
                    _ => None,
                };
                if let Some(r) = ratio {
                    min = min.min(r);
                    max = max.max(r);
                    sum += r;
                    priced += 1;
                }
                if our_decision != their_decision || our_total != their_total {
                    differing += 1;
                    if examples.len() < EXAMPLES {
                        examples.push(DifferingCell {
                            inputs: inputs.clone(),
                            profession_decision: our_decision.code().to_owned(),
                            comparator_decision: their_decision.code().to_owned(),
                            profession_total: our_total.map(|t| t.to_string()),
                            comparator_total: their_total.map(|t| t.to_string()),
                            ratio,
                        });
                    }
                }
            }
            let justification = profession
                .justification
                .as_ref()
                .and_then(|id| justifications.get(id))
                .cloned();
            let verdict = match (differing, &justification) {
                (0, _) => "equal",
                (_, Some(_)) => "justified",
                (_, None) => "flagged",
            };
            PairParity {
                product,
                profession: profession.code.clone(),
                comparator: comparator.code.clone(),
                cells: cells.len() as u64,
                min_ratio: if priced == 0 { 1.0 } else { min },
                max_ratio: if priced == 0 { 1.0 } else { max },
                mean_ratio: if priced == 0 {
                    1.0
                } else {
                    sum / priced as f64
                },
                differing_cells: differing,
                verdict: verdict.to_owned(),
                justification,
                examples,
            }
        })
        .collect()
}

/// The parity of every intimacy profession with its comparator, in both products.
pub fn parity(books: &RateBooks, date: NaiveDate) -> Vec<PairParity> {
    let liability: Vec<(String, ProductApplication)> = liability_grid(books)
        .into_iter()
        .map(|(d, a)| (d, ProductApplication::Liability(a)))
        .collect();
    let income_protection: Vec<(String, ProductApplication)> = income_protection_grid(books)
        .into_iter()
        .map(|(d, a)| (d, ProductApplication::IncomeProtection(a)))
        .collect();
    let mut out = pairs(
        books,
        Product::Liability,
        &books.liability.occupations,
        &books.liability.version.justifications,
        date,
        &liability,
    );
    out.extend(pairs(
        books,
        Product::IncomeProtection,
        &books.income_protection.occupations,
        &books.income_protection.version.justifications,
        date,
        &income_protection,
    ));
    out
}
