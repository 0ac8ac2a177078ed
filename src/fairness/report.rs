//! The fairness report: scope, the prohibited-factor lint, occupation parity, outcomes by
//! audit-only group, renewal against new business, and a verdict in plain words. The same
//! models, portfolio and seed give the same JSON, byte for byte.

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::domain::{Decision, Product, ProductApplication, QuoteRequest, TransactionType};
use crate::portfolio::Portfolio;
use crate::rating::{self, RateBooks};

use super::outcomes::{self, AcceptanceByGroup, Observation, PremiumByGroup, RiskAdjusted};
use super::parity::{PairParity, parity};

/// Columns a portfolio may carry for the audit only; never sent to pricing.
pub const AUDIT_ONLY: &[&str] = &["gender", "nationality_group"];

#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub liability_version: String,
    pub liability_effective_from: String,
    pub income_protection_version: String,
    pub income_protection_effective_from: String,
    /// Where the portfolio came from (its file name, or the upload).
    pub portfolio: String,
    pub rating_date: String,
    pub policies: u64,
    pub seed: u64,
    pub engine: String,
    pub thresholds: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupOutcome {
    pub product: Product,
    pub attribute: String,
    pub acceptance: AcceptanceByGroup,
    /// Premium per 1,000 EUR of turnover (liability) or per 100 EUR of monthly benefit.
    pub premium_per_unit: PremiumByGroup,
    pub risk_adjusted: RiskAdjusted,
}

/// A rating table and the justification record that covers it.
#[derive(Debug, Clone, Serialize)]
pub struct FactorEntry {
    pub product: Product,
    pub table: String,
    /// `justified`, `review overdue` or `no record`.
    pub status: String,
    /// The protected criteria of the justified tier the table rates (age, health, ...), as its
    /// justification record declares them: the model loads only if every one it rates is.
    pub protected_criteria: Vec<String>,
    pub justification: Option<crate::rating::book::Justification>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RenewalCheck {
    pub compared: u64,
    /// Identical risks priced higher as a renewal than as new business: must be 0.
    pub renewal_higher: u64,
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub passed: Vec<String>,
    pub flagged: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FairnessReport {
    pub verdict: Verdict,
    pub scope: Scope,
    /// Every table loaded through the lint that rejects a protected attribute in a column or key.
    pub prohibited_factors: String,
    /// Every rating table with the record that justifies it (its `factor` names the table).
    pub factor_inventory: Vec<FactorEntry>,
    pub parity: Vec<PairParity>,
    pub outcomes: Vec<GroupOutcome>,
    pub renewal_vs_new_business: RenewalCheck,
}

fn unit(application: &ProductApplication) -> f64 {
    match application {
        ProductApplication::Liability(l) => (l.annual_turnover() / Decimal::ONE_THOUSAND)
            .to_f64()
            .unwrap_or(0.0),
        ProductApplication::IncomeProtection(i) => (i.monthly_benefit() / Decimal::ONE_HUNDRED)
            .to_f64()
            .unwrap_or(0.0),
    }
}

/// The decision, the total and the risk premium of a request.
type Priced = (Decision, Option<Decimal>, Option<Decimal>);

fn priced(books: &RateBooks, request: &QuoteRequest) -> Option<Priced> {
    rating::quote_figures(books, request, request.rating_date)
        .ok()
        .map(|q| {
            (
                q.decision,
                q.premium.as_ref().map(|p| p.total),
                q.premium.as_ref().map(|p| p.risk_premium),
            )
        })
}

pub fn report(
    books: &RateBooks,
    portfolio: &Portfolio,
    source: &str,
    seed: u64,
    date: NaiveDate,
) -> FairnessReport {
    let requests: Vec<QuoteRequest> = portfolio
        .requests
        .iter()
        .map(|r| QuoteRequest {
            rating_date: date,
            ..r.clone()
        })
        .collect();
    let results: Vec<Option<Priced>> = requests.par_iter().map(|r| priced(books, r)).collect();
    let column = |name: &str| -> Option<Vec<Option<String>>> {
        let text = portfolio.frame.column(name).ok()?.str().ok()?.clone();
        Some(text.iter().map(|v| v.map(str::to_owned)).collect())
    };
    let mut outcomes = Vec::new();
    for product in Product::ALL {
        // Only the audit-only columns: a rating input (say employment status, whose
        // guaranteed-salary rule declines short deferrals for employees) moves outcomes by design.
        let attributes: Vec<(String, Vec<Option<String>>)> = AUDIT_ONLY
            .iter()
            .filter_map(|a| column(a).map(|c| (a.to_string(), c)))
            .collect();
        for (attribute, groups) in attributes {
            let observations: Vec<Observation> = requests
                .iter()
                .zip(&results)
                .zip(&groups)
                .filter(|((r, _), _)| r.application.product() == product)
                .filter_map(|((r, result), group)| {
                    let (decision, total, risk) = result.as_ref()?;
                    let priced = *decision != Decision::Decline;
                    let per_unit = total
                        .filter(|_| priced)
                        .and_then(|t| t.to_f64())
                        .map(|t| t / unit(&r.application).max(1e-9));
                    let to_risk = match (total, risk) {
                        (Some(t), Some(k)) if priced && !k.is_zero() => (t / k).to_f64(),
                        _ => None,
                    };
                    Some(Observation {
                        group: group.clone().unwrap_or_else(|| "unknown".into()),
                        accepted: *decision == Decision::Accept,
                        referred: *decision == Decision::Refer,
                        declined: *decision == Decision::Decline,
                        premium_per_unit: per_unit,
                        premium_to_risk: to_risk,
                    })
                })
                .collect();
            if observations.is_empty() {
                continue;
            }
            outcomes.push(GroupOutcome {
                product,
                attribute: attribute.clone(),
                acceptance: outcomes::acceptance(&observations, seed),
                premium_per_unit: outcomes::premium(&observations, seed.wrapping_add(1)),
                risk_adjusted: outcomes::risk_adjusted(&observations),
            });
        }
    }

    let renewals: Vec<(usize, Option<Decimal>, Option<Decimal>)> = requests
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let new = QuoteRequest {
                transaction_type: TransactionType::NewBusiness,
                ..r.clone()
            };
            let renewal = QuoteRequest {
                transaction_type: TransactionType::Renewal,
                ..r.clone()
            };
            (
                i,
                priced(books, &new).and_then(|p| p.1),
                priced(books, &renewal).and_then(|p| p.1),
            )
        })
        .collect();
    let mut check = RenewalCheck {
        compared: 0,
        renewal_higher: 0,
        examples: Vec::new(),
    };
    for (i, new, renewal) in renewals {
        if let (Some(new), Some(renewal)) = (new, renewal) {
            check.compared += 1;
            if renewal > new {
                check.renewal_higher += 1;
                if check.examples.len() < 20 {
                    check.examples.push(portfolio.policy_ids[i].clone());
                }
            }
        }
    }

    let inventory = factor_inventory(books, date);
    let parity = parity(books, date);
    let mut verdict = Verdict {
        passed: Vec::new(),
        flagged: Vec::new(),
    };
    let unjustified: Vec<&FactorEntry> = inventory
        .iter()
        .filter(|f| f.status != "justified")
        .collect();
    if unjustified.is_empty() {
        verdict.passed.push(format!(
            "every rating table ({}) has a justification record, none past its review date",
            inventory.len()
        ));
    }
    for f in unjustified {
        verdict
            .flagged
            .push(format!("{} {}: {}", f.product.code(), f.table, f.status));
    }
    verdict.passed.push(
        "no table, column or key rates a criterion the anti-discrimination acts of 10 May 2007 never allow (the model would not load otherwise)"
            .into(),
    );
    let justifiable: Vec<String> = inventory
        .iter()
        .filter(|f| !f.protected_criteria.is_empty())
        .map(|f| {
            format!(
                "{} {} ({})",
                f.product.code(),
                f.table,
                f.protected_criteria.join(", ")
            )
        })
        .collect();
    if !justifiable.is_empty() {
        verdict.passed.push(format!(
            "tables that rate a criterion allowed only with an objective justification, each under a record that declares it: {}",
            justifiable.join("; ")
        ));
    }
    let flagged_pairs: Vec<&PairParity> =
        parity.iter().filter(|p| p.verdict == "flagged").collect();
    if flagged_pairs.is_empty() {
        let justified = parity.iter().filter(|p| p.verdict == "justified").count();
        verdict.passed.push(format!(
            "every intimacy profession is priced like its comparator in every cell{}",
            if justified > 0 {
                format!(", or differs under a justification record ({justified} pairs)")
            } else {
                String::new()
            }
        ));
    }
    for p in flagged_pairs {
        verdict.flagged.push(format!(
            "{} {} is priced unlike {} in {} of {} cells, with no justification record",
            p.product.code(),
            p.profession,
            p.comparator,
            p.differing_cells,
            p.cells
        ));
    }
    for o in &outcomes {
        let what = format!("{} by {}", o.product.code(), o.attribute);
        if o.acceptance.material {
            verdict.flagged.push(format!(
                "{what}: acceptance rates differ by {:.1} points (ratio {:.2}), p = {:.3}",
                o.acceptance.parity.difference * 100.0,
                o.acceptance.parity.ratio,
                o.acceptance.p_value
            ));
        } else {
            verdict.passed.push(format!(
                "{what}: acceptance rates differ by {:.1} points, not material (p = {:.3})",
                o.acceptance.parity.difference * 100.0,
                o.acceptance.p_value
            ));
        }
        if o.acceptance.parity.four_fifths_flag {
            verdict.flagged.push(format!(
                "{what}: acceptance ratio {:.2} is below four fifths",
                o.acceptance.parity.ratio
            ));
        }
        if o.premium_per_unit.material {
            verdict.flagged.push(format!(
                "{what}: a group's mean premium per unit of cover is {:.1} % off the overall mean, p = {:.3}; against expected cost, {:.1} % ({})",
                o.premium_per_unit.largest_deviation * 100.0,
                o.premium_per_unit.p_value,
                o.risk_adjusted.largest_deviation * 100.0,
                if o.risk_adjusted.largest_deviation < outcomes::MATERIAL_RELATIVE { "explained by the risk and cover" } else { "not explained by the risk" }
            ));
        } else {
            verdict.passed.push(format!(
                "{what}: premium per unit of cover within {:.1} % of the mean, not material (p = {:.3})",
                o.premium_per_unit.largest_deviation * 100.0, o.premium_per_unit.p_value
            ));
        }
    }
    if check.renewal_higher == 0 {
        verdict.passed.push(format!(
            "no renewal costs more than the same risk as new business ({} compared)",
            check.compared
        ));
    } else {
        verdict.flagged.push(format!(
            "{} renewals cost more than the same risk as new business",
            check.renewal_higher
        ));
    }
    FairnessReport {
        verdict,
        scope: Scope {
            liability_version: books.liability.version.id.clone(),
            liability_effective_from: books.liability.version.effective_from.to_string(),
            income_protection_version: books.income_protection.version.id.clone(),
            income_protection_effective_from: books
                .income_protection
                .version
                .effective_from
                .to_string(),
            portfolio: source.to_owned(),
            rating_date: date.to_string(),
            policies: requests.len() as u64,
            seed,
            engine: format!("fairquote {}", env!("CARGO_PKG_VERSION")),
            thresholds: format!(
                "material: p < {} and at least {} points or {} %; four-fifths below 0.8; {} resamples",
                outcomes::SIGNIFICANCE,
                outcomes::MATERIAL_POINTS * 100.0,
                outcomes::MATERIAL_RELATIVE * 100.0,
                outcomes::RESAMPLES
            ),
        },
        prohibited_factors:
            "every column and key of both products' tables passed the protected-criteria lint: none names a criterion of the anti-discrimination acts of 10 May 2007 that is never allowed (in English, French, Dutch or German), and each that is allowed only with a justification is declared by its table's record".into(),
        factor_inventory: inventory,
        parity,
        outcomes,
        renewal_vs_new_business: check,
    }
}

/// Every rating table of both products, with the record that justifies it.
fn factor_inventory(books: &RateBooks, date: NaiveDate) -> Vec<FactorEntry> {
    use crate::rating::book::table;
    let products = [
        (
            Product::Liability,
            &books.liability.version.justifications,
            vec![
                table::BASE_RATES,
                table::INCREASED_LIMIT_FACTORS,
                table::DEDUCTIBLE_FACTORS,
                table::EXPERIENCE_FACTORS,
                table::RISK_MANAGEMENT_CREDITS,
                table::OCCUPATIONS,
                table::PARAMETERS,
            ],
        ),
        (
            Product::IncomeProtection,
            &books.income_protection.version.justifications,
            vec![
                table::BASE_RATES,
                table::OCCUPATION_CLASS_FACTORS,
                table::SMOKER_FACTORS,
                table::OCCUPATIONS,
                table::PARAMETERS,
            ],
        ),
    ];
    let mut inventory = Vec::new();
    for (product, records, tables) in products {
        for name in tables {
            let record = records.values().find(|r| r.covers(name));
            let status = match record {
                None => "no record",
                Some(r) if r.review_date < date => "review overdue",
                Some(_) => "justified",
            };
            let protected_criteria = records
                .values()
                .filter(|r| r.covers(name))
                .flat_map(|r| &r.protected_criteria)
                .filter_map(|code| crate::tables::lint::by_code(code))
                .map(|c| c.label.to_owned())
                .collect();
            inventory.push(FactorEntry {
                product,
                table: name.to_owned(),
                status: status.to_owned(),
                protected_criteria,
                justification: record.cloned(),
            });
        }
    }
    inventory
}
