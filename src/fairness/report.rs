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

use super::attribution::{self, GapAttribution, Split};
use super::outcomes::{self, AcceptanceByGroup, Observation, PremiumByGroup, RiskAdjusted};
use super::parity::{PairParity, parity};
use super::proxies::{self, Proxy};

/// A column with more distinct values than this is no group (an identifier, an amount).
pub const MAX_GROUPS: usize = 20;

/// A factor carries a material part of a gap from this difference in mean log premium on
/// (about 1 % of the premium).
pub const MATERIAL_TERM: f64 = 0.01;

#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub liability_version: String,
    pub liability_effective_from: String,
    pub income_protection_version: String,
    pub income_protection_effective_from: String,
    /// Where the portfolio came from (its file name, or the upload).
    pub portfolio: String,
    /// How it was made, and for a generated book how its groups were drawn.
    pub provenance: String,
    /// The audit-only group columns analysed.
    pub group_attributes: Vec<String>,
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
    /// Where each pair of groups' premium gap comes from, table by table.
    pub gaps: Vec<GapAttribution>,
    /// Which eligibility rules decline and refer each group.
    pub acceptance_drivers: Vec<ReasonsOfGroup>,
}

/// The reasons behind a group's declines and referrals.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonsOfGroup {
    pub group: String,
    pub policies: u64,
    /// Each reason code of a decline, with the share of the group's policies it declined.
    pub declined_by: Vec<(String, f64)>,
    pub referred_by: Vec<(String, f64)>,
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
    /// Every rating input's association with every group, by product.
    pub proxies: Vec<ProductProxies>,
    pub renewal_vs_new_business: RenewalCheck,
    /// The versions the report covers, and what changed between them.
    pub governance: Governance,
    /// What the report cannot show, and why.
    pub cannot_show: Vec<String>,
    /// Claims beside premiums, when an experience was given (`with_experience`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experience: Option<ClaimsExperience>,
}

/// The fair-value view: whether each intimacy profession's premium, against its comparator's,
/// is matched by its claims. From a liability experience (`docs/EXPERIENCE.md`) under the
/// liability version in force on the rating date.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimsExperience {
    pub version: String,
    pub experience_sha256: String,
    pub valuation_date: String,
    /// Loss ratio, claim frequency and actual against expected by occupation.
    pub by_occupation: Vec<crate::experience::monitor::ActualExpected>,
    /// Each profession's actual over expected against its comparator's.
    pub pairs: Vec<crate::experience::monitor::PairRatio>,
    /// By each audit attribute the cells carry: each group's, and against the other groups'.
    pub by_group: Vec<crate::experience::monitor::GroupExperience>,
}

const NO_EXPERIENCE: &str = "no claims experience was given: whether premium differences between groups are matched by claims differences (loss ratios, actual against expected by group) cannot be shown";

/// Sets the claims of an experience (monitored under the report's liability version) beside
/// the premiums: a profession whose claims against its premium differ from its comparator's
/// beyond chance is flagged, in the direction it goes.
pub fn with_experience(report: &mut FairnessReport, monitor: &crate::experience::monitor::Monitor) {
    report.cannot_show.retain(|line| line != NO_EXPERIENCE);
    if monitor.by_group.is_empty() {
        report.cannot_show.push(format!(
            "the claims experience carries no audit group (no `{}<attribute>` column): loss ratios and actual against expected by group cannot be shown (by occupation and by intimacy profession against its comparator they are)",
            crate::experience::GROUP_PREFIX
        ));
    } else {
        for attribute in &report.scope.group_attributes {
            if !monitor.by_group.iter().any(|g| &g.attribute == attribute) {
                report.cannot_show.push(format!(
                    "the claims experience carries no `{}{attribute}` column: claims by {attribute} cannot be shown",
                    crate::experience::GROUP_PREFIX
                ));
            }
        }
    }
    // The tariff cannot rate a group: a group whose claims and premium part ways is priced
    // by its rating factors beyond, or short of, what its claims ask.
    for group in &monitor.by_group {
        for r in &group.against_rest {
            let figures = format!(
                "{:.2}× the other groups' (95 % interval {:.2} to {:.2})",
                r.ratio, r.low, r.high
            );
            let who = format!(
                "experience by {}: group {}'s claims against its premium are {figures}",
                group.attribute, r.group
            );
            if r.low > 1.0 {
                report.verdict.flagged.push(format!(
                    "{who}: its premium is below what its claims ask, relative to the others"
                ));
            } else if r.high < 1.0 {
                report.verdict.flagged.push(format!(
                    "{who}: its premium is above what its claims ask, relative to the others (its rating factors load it beyond its claims: see the gap's factors and the proxies)"
                ));
            } else if r.ratio.is_finite() {
                report
                    .verdict
                    .passed
                    .push(format!("{who}: alike within chance"));
            }
        }
    }
    for pair in &monitor.by_pair {
        let figures = format!(
            "{:.2}× its comparator {}'s (95 % interval {:.2} to {:.2})",
            pair.ratio, pair.comparator, pair.low, pair.high
        );
        if pair.low > 1.0 {
            report.verdict.flagged.push(format!(
                "experience: {}'s claims against its premium are {figures}: its premium is below what its claims ask, relative to its comparator",
                pair.profession
            ));
        } else if pair.high < 1.0 {
            report.verdict.flagged.push(format!(
                "experience: {}'s claims against its premium are {figures}: its premium is above what its claims ask, relative to its comparator (a loading its claims do not bear out)",
                pair.profession
            ));
        } else if pair.ratio.is_finite() {
            report.verdict.passed.push(format!(
                "experience: {}'s claims against its premium are {figures}: alike within chance",
                pair.profession
            ));
        }
    }
    report.experience = Some(ClaimsExperience {
        version: monitor.version.clone(),
        experience_sha256: monitor.experience_sha256.clone(),
        valuation_date: monitor.valuation_date.clone(),
        by_occupation: monitor.by_occupation.clone(),
        pairs: monitor.by_pair.clone(),
        by_group: monitor.by_group.clone(),
    });
}

/// The model versions in force over the report's period (for a portfolio, on its rating date),
/// and the changes of their justification records from one to the next.
#[derive(Debug, Clone, Serialize)]
pub struct Governance {
    pub versions: Vec<VersionInForce>,
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionInForce {
    pub product: Product,
    pub id: String,
    pub label: String,
    pub effective_from: String,
    pub justification_records: usize,
}

impl VersionInForce {
    pub fn of(version: &crate::rating::book::ModelVersion) -> Self {
        VersionInForce {
            product: version.product,
            id: version.id.clone(),
            label: version.label.clone(),
            effective_from: version.effective_from.to_string(),
            justification_records: version.justifications.len(),
        }
    }
}

/// How one version's justification records differ from another's.
pub fn record_changes(
    old: &crate::rating::book::ModelVersion,
    new: &crate::rating::book::ModelVersion,
) -> String {
    let mut said = Vec::new();
    for (id, record) in &new.justifications {
        match old.justifications.get(id) {
            None => said.push(format!("record {id} added ({})", record.factor)),
            Some(before) if before != record => {
                said.push(format!("record {id} changed ({})", record.factor))
            }
            Some(_) => {}
        }
    }
    for (id, record) in &old.justifications {
        if !new.justifications.contains_key(id) {
            said.push(format!("record {id} removed ({})", record.factor));
        }
    }
    if said.is_empty() {
        "the same justification records".to_owned()
    } else {
        said.join("; ")
    }
}

impl Governance {
    /// The versions in order, each product's consecutive pairs compared record by record.
    pub fn of(versions: &[&crate::rating::book::ModelVersion]) -> Self {
        let mut changes = Vec::new();
        for pair in versions.windows(2) {
            let (old, new) = (pair[0], pair[1]);
            if old.product != new.product {
                continue;
            }
            let name = |v: &crate::rating::book::ModelVersion| {
                format!("{} ({})", &v.id[..v.id.len().min(12)], v.effective_from)
            };
            let said = record_changes(old, new);
            changes.push(format!(
                "{} {} replaced {} on {}: {}",
                new.product.code(),
                name(new),
                name(old),
                new.effective_from,
                said
            ));
        }
        Governance {
            versions: versions.iter().map(|v| VersionInForce::of(v)).collect(),
            changes,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProductProxies {
    pub product: Product,
    pub proxies: Vec<Proxy>,
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

/// What the report needs of one priced request.
struct Priced {
    decision: Decision,
    total: Option<Decimal>,
    risk: Option<Decimal>,
    reasons: Vec<&'static str>,
    /// Its log premium per unit, by table; `None` for a decline.
    split: Option<Split>,
}

fn priced(books: &RateBooks, request: &QuoteRequest) -> Option<Priced> {
    let quote = rating::quote_figures(books, request, request.rating_date).ok()?;
    let total = quote.premium.as_ref().map(|p| p.total);
    let split = total
        .filter(|_| quote.decision != Decision::Decline)
        .and_then(|t| t.to_f64())
        .and_then(|t| attribution::split(&quote.worksheet, t, unit(&request.application)));
    Some(Priced {
        decision: quote.decision,
        total,
        risk: quote.premium.as_ref().map(|p| p.risk_premium),
        reasons: quote.reasons.iter().map(|r| r.code).collect(),
        split,
    })
}

/// A rating input as a portfolio column, the bands its numbers fall in (`None`: a category
/// already), and the tables it is rated through.
type RatingInput = (&'static str, Option<&'static [f64]>, Vec<&'static str>);

/// The rating inputs of a product as categories (amounts and ages in bands).
fn rating_inputs(product: Product) -> Vec<RatingInput> {
    use crate::rating::book::table;
    const TURNOVER: &[f64] = &[20_000.0, 35_000.0, 50_000.0, 75_000.0];
    const INCOME: &[f64] = &[1_800.0, 2_400.0, 3_000.0, 4_000.0];
    const BENEFIT: &[f64] = &[800.0, 1_200.0, 1_600.0, 2_200.0];
    const AGE: &[f64] = &[25.0, 35.0, 45.0, 55.0];
    const YEARS: &[f64] = &[3.0, 6.0, 11.0];
    match product {
        Product::Liability => vec![
            ("occupation", None, vec![table::BASE_RATES]),
            ("work_setting", None, vec![table::BASE_RATES]),
            (
                "limit_of_indemnity",
                None,
                vec![table::INCREASED_LIMIT_FACTORS],
            ),
            ("deductible", None, vec![table::DEDUCTIBLE_FACTORS]),
            ("claims_last_5_years", None, vec![table::EXPERIENCE_FACTORS]),
            (
                "risk_management_measures",
                None,
                vec![table::RISK_MANAGEMENT_CREDITS],
            ),
            ("years_of_activity", Some(YEARS), vec![]),
            (
                "annual_turnover",
                Some(TURNOVER),
                vec![attribution::CHARGES],
            ),
            ("transaction_type", None, vec![]),
            ("payment_frequency", None, vec![]),
        ],
        Product::IncomeProtection => vec![
            ("occupation", None, vec![table::OCCUPATION_CLASS_FACTORS]),
            ("age", Some(AGE), vec![table::BASE_RATES]),
            ("deferred_period_days", None, vec![table::BASE_RATES]),
            ("benefit_period", None, vec![table::BASE_RATES]),
            ("smoker", None, vec![table::SMOKER_FACTORS]),
            ("employment_status", None, vec![]),
            ("average_monthly_income", Some(INCOME), vec![]),
            ("monthly_benefit", Some(BENEFIT), vec![attribution::CHARGES]),
            ("claims_last_5_years", None, vec![]),
            // Never priced, but it sets the statutory benefit the cap counts: an acceptance
            // input, so analysed as a possible proxy like any other.
            ("family_situation", None, vec![table::STATUTORY_BENEFITS]),
            ("transaction_type", None, vec![]),
            ("payment_frequency", None, vec![]),
        ],
    }
}

/// The inventory's entry of a product's table (the charges' term is `parameters.csv`'s).
fn entry_of<'a>(
    inventory: &'a [FactorEntry],
    product: Product,
    table: &str,
) -> Option<&'a FactorEntry> {
    inventory
        .iter()
        .find(|f| f.product == product && f.table == table)
}

fn reasons_of(observations: &[(String, &Priced)]) -> Vec<ReasonsOfGroup> {
    let mut by_group: std::collections::BTreeMap<&str, Vec<&Priced>> = Default::default();
    for (group, p) in observations {
        by_group.entry(group.as_str()).or_default().push(p);
    }
    by_group
        .into_iter()
        .map(|(group, priced)| {
            let n = priced.len() as f64;
            let rates = |decision: Decision| {
                let mut counts: std::collections::BTreeMap<&str, u64> = Default::default();
                for p in priced.iter().filter(|p| p.decision == decision) {
                    for code in &p.reasons {
                        *counts.entry(code).or_default() += 1;
                    }
                }
                counts
                    .into_iter()
                    .map(|(code, c)| (code.to_owned(), c as f64 / n))
                    .collect()
            };
            ReasonsOfGroup {
                group: group.to_owned(),
                policies: priced.len() as u64,
                declined_by: rates(Decision::Decline),
                referred_by: rates(Decision::Refer),
            }
        })
        .collect()
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
    let inventory = factor_inventory(books, date);
    let mut cannot_show = Vec::new();
    // The audit-only columns the data carry (never a rating input, never priced): a rating
    // input, say employment status whose guaranteed-salary rule declines short deferrals for
    // employees, moves outcomes by design and is analysed as a proxy instead.
    let mut attributes: Vec<(String, Vec<Option<String>>)> = Vec::new();
    for name in crate::portfolio::group_columns(&portfolio.frame) {
        let Some(values) = column(&name) else {
            continue;
        };
        let distinct: std::collections::BTreeSet<&str> =
            values.iter().flatten().map(String::as_str).collect();
        if distinct.len() > MAX_GROUPS {
            cannot_show.push(format!(
                "the column `{name}` has {} distinct values, more than the {MAX_GROUPS} a group may have: it is not analysed as a group",
                distinct.len()
            ));
        } else {
            attributes.push((name, values));
        }
    }
    if attributes.is_empty() {
        cannot_show.push(
            "the book carries no audit-only group column (such as gender or nationality_group): outcomes by group, their attribution and proxies cannot be shown"
                .to_owned(),
        );
    }
    let units: Vec<f64> = requests.iter().map(|r| unit(&r.application)).collect();
    let mut outcomes = Vec::new();
    let mut all_proxies = Vec::new();
    for product in Product::ALL {
        let mut product_proxies = Vec::new();
        for (attribute, groups) in &attributes {
            let rows: Vec<(usize, String, &Priced)> = requests
                .iter()
                .zip(&results)
                .zip(groups)
                .enumerate()
                .filter(|(_, ((r, _), _))| r.application.product() == product)
                .filter_map(|(i, ((_, result), group))| Some((i, group.clone()?, result.as_ref()?)))
                .collect();
            if rows.is_empty() {
                cannot_show.push(format!(
                    "no {} policy has a value of `{attribute}`: its outcomes by {attribute} cannot be shown",
                    product.code()
                ));
                continue;
            }
            let observations: Vec<Observation> = rows
                .iter()
                .map(|(i, group, p)| {
                    let offered = p.decision != Decision::Decline;
                    let per_unit = p
                        .total
                        .filter(|_| offered)
                        .and_then(|t| t.to_f64())
                        .map(|t| t / units[*i].max(1e-9));
                    let to_risk = match (p.total, p.risk) {
                        (Some(t), Some(k)) if offered && !k.is_zero() => (t / k).to_f64(),
                        _ => None,
                    };
                    Observation {
                        group: group.clone(),
                        accepted: p.decision == Decision::Accept,
                        referred: p.decision == Decision::Refer,
                        declined: p.decision == Decision::Decline,
                        premium_per_unit: per_unit,
                        premium_to_risk: to_risk,
                    }
                })
                .collect();
            let splits: Vec<(String, Split)> = rows
                .iter()
                .filter_map(|(_, group, p)| Some((group.clone(), p.split.clone()?)))
                .collect();
            let mut gaps = attribution::attribute(&splits, seed.wrapping_add(2));
            for gap in &mut gaps {
                for factor in &mut gap.factors {
                    if let Some(entry) = entry_of(&inventory, product, &factor.table) {
                        factor.status = entry.status.clone();
                        factor.protected_criteria = entry.protected_criteria.clone();
                    }
                }
            }
            let drivers: Vec<(String, &Priced)> =
                rows.iter().map(|(_, g, p)| (g.clone(), *p)).collect();
            for (input, edges, tables) in rating_inputs(product) {
                let Some(values) = column(input) else {
                    continue;
                };
                let banded: Vec<(String, &str)> = rows
                    .iter()
                    .map(|(i, group, _)| {
                        let value = values[*i].as_deref().unwrap_or("");
                        let value = match edges {
                            Some(edges) => proxies::band(value, edges),
                            None => value.to_owned(),
                        };
                        (value, group.as_str())
                    })
                    .collect();
                let pairs: Vec<(&str, &str)> =
                    banded.iter().map(|(v, g)| (v.as_str(), *g)).collect();
                let (cramers_v, p_value) = proxies::association(&pairs);
                product_proxies.push(Proxy {
                    input: input.to_owned(),
                    attribute: attribute.clone(),
                    cramers_v,
                    p_value,
                    p_adjusted: p_value,
                    flagged: false,
                    tables: tables.iter().map(|t| t.to_string()).collect(),
                });
            }
            outcomes.push(GroupOutcome {
                product,
                attribute: attribute.clone(),
                acceptance: outcomes::acceptance(&observations, seed),
                premium_per_unit: outcomes::premium(&observations, seed.wrapping_add(1)),
                risk_adjusted: outcomes::risk_adjusted(&observations),
                gaps,
                acceptance_drivers: reasons_of(&drivers),
            });
        }
        if !product_proxies.is_empty() {
            all_proxies.push(ProductProxies {
                product,
                proxies: product_proxies,
            });
        }
    }
    // Many tests in one report: each p-value is adjusted (Holm) for the others of its family,
    // the outcome tests and the proxy tests, so that a difference found by chance among them
    // is not called material.
    let mut raw: Vec<f64> = Vec::new();
    for o in &outcomes {
        raw.push(o.acceptance.p_value);
        raw.push(o.premium_per_unit.p_value);
    }
    let proxy_raw: Vec<f64> = all_proxies
        .iter()
        .flat_map(|p| p.proxies.iter().map(|x| x.p_value))
        .collect();
    let mut next = outcomes::holm(&raw)
        .into_iter()
        .chain(outcomes::holm(&proxy_raw));
    for o in &mut outcomes {
        o.acceptance.p_adjusted = next.next().unwrap_or(1.0);
        o.acceptance.material = o.acceptance.p_adjusted < outcomes::SIGNIFICANCE
            && o.acceptance.parity.difference >= outcomes::MATERIAL_POINTS;
        o.premium_per_unit.p_adjusted = next.next().unwrap_or(1.0);
        o.premium_per_unit.material = o.premium_per_unit.p_adjusted < outcomes::SIGNIFICANCE
            && o.premium_per_unit.largest_deviation >= outcomes::MATERIAL_RELATIVE;
    }
    for p in &mut all_proxies {
        for x in &mut p.proxies {
            x.p_adjusted = next.next().unwrap_or(1.0);
            x.flagged = x.p_adjusted < outcomes::SIGNIFICANCE && x.cramers_v >= proxies::PROXY_V;
        }
    }
    cannot_show.push(NO_EXPERIENCE.to_owned());

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
                priced(books, &new).and_then(|p| p.total),
                priced(books, &renewal).and_then(|p| p.total),
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
            let drivers = o
                .acceptance_drivers
                .iter()
                .map(|d| {
                    let top = d
                        .declined_by
                        .iter()
                        .chain(&d.referred_by)
                        .max_by(|a, b| a.1.total_cmp(&b.1))
                        .map(|(code, rate)| format!("{code} {:.1} %", rate * 100.0))
                        .unwrap_or_else(|| "none".into());
                    format!("{}: {top}", d.group)
                })
                .collect::<Vec<_>>()
                .join("; ");
            verdict.flagged.push(format!(
                "{what}: acceptance rates differ by {:.1} points (ratio {:.2}), p = {:.3} adjusted for the report's {} outcome tests; the rule declining or referring most, by group: {drivers}",
                o.acceptance.parity.difference * 100.0,
                o.acceptance.parity.ratio,
                o.acceptance.p_adjusted,
                raw.len()
            ));
        } else {
            verdict.passed.push(format!(
                "{what}: acceptance rates differ by {:.1} points, not material (p = {:.3} adjusted)",
                o.acceptance.parity.difference * 100.0,
                o.acceptance.p_adjusted
            ));
        }
        // The four-fifths rule of thumb on its own flags chance in a small group: it is a
        // finding only where the difference is also significant.
        if o.acceptance.parity.four_fifths_flag && o.acceptance.p_adjusted < outcomes::SIGNIFICANCE
        {
            verdict.flagged.push(format!(
                "{what}: acceptance ratio {:.2} is below four fifths (p = {:.3} adjusted)",
                o.acceptance.parity.ratio, o.acceptance.p_adjusted
            ));
        } else if o.acceptance.parity.four_fifths_flag {
            verdict.passed.push(format!(
                "{what}: acceptance ratio {:.2} is below four fifths, but the difference is not significant (p = {:.3} adjusted): too few policies in a group to tell it from chance",
                o.acceptance.parity.ratio, o.acceptance.p_adjusted
            ));
        }
        let significant = o.premium_per_unit.p_adjusted < outcomes::SIGNIFICANCE;
        // Where a difference is there (significant), which factors make it, and whether each is
        // justified: what an auditor asks next.
        let explained = o
            .gaps
            .iter()
            .max_by(|a, b| a.gap.abs().total_cmp(&b.gap.abs()))
            .filter(|_| significant)
            .map(|widest| {
                let (more, less) = if widest.gap >= 0.0 {
                    (&widest.groups[0], &widest.groups[1])
                } else {
                    (&widest.groups[1], &widest.groups[0])
                };
                let carriers: Vec<&attribution::FactorShare> = widest
                    .factors
                    .iter()
                    .filter(|f| f.difference.abs() >= MATERIAL_TERM)
                    .collect();
                let described = carriers
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {:+.1} % ({})",
                            f.table,
                            (f.difference * widest.gap.signum()).exp_m1() * 100.0,
                            f.status
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let unjustified: Vec<String> = carriers
                    .iter()
                    .filter(|f| f.status != "justified")
                    .map(|f| f.table.clone())
                    .collect();
                let sentence = format!(
                    "{more} pays {:.1} % more per unit of cover than {less} (geometric means), and the gap comes from {}",
                    widest.gap.abs().exp_m1() * 100.0,
                    if described.is_empty() {
                        "no single factor".to_owned()
                    } else {
                        described
                    }
                );
                (sentence, unjustified)
            });
        match (o.premium_per_unit.material, explained) {
            (true, Some((sentence, unjustified))) if !unjustified.is_empty() => {
                verdict.flagged.push(format!(
                    "{what}: a material difference (p = {:.3} adjusted): {sentence}: {} without a valid justification",
                    o.premium_per_unit.p_adjusted,
                    unjustified.join(", ")
                ))
            }
            (true, Some((sentence, _))) => verdict.passed.push(format!(
                "{what}: a material difference (p = {:.3} adjusted), explained: {sentence}, each a justified factor",
                o.premium_per_unit.p_adjusted
            )),
            (false, Some((sentence, _))) => verdict.passed.push(format!(
                "{what}: premium per unit of cover within {:.1} % of the mean, not material (it is from 5 %), though significant (p = {:.3} adjusted): {sentence}",
                o.premium_per_unit.largest_deviation * 100.0,
                o.premium_per_unit.p_adjusted
            )),
            (_, None) => verdict.passed.push(format!(
                "{what}: premium per unit of cover within {:.1} % of the mean, not material (p = {:.3} adjusted)",
                o.premium_per_unit.largest_deviation * 100.0,
                o.premium_per_unit.p_adjusted
            )),
        }
    }
    for p in &all_proxies {
        for x in p.proxies.iter().filter(|x| x.flagged) {
            let unjustified: Vec<&str> = x
                .tables
                .iter()
                .filter(|t| {
                    entry_of(&inventory, p.product, t).is_some_and(|f| f.status != "justified")
                })
                .map(String::as_str)
                .collect();
            let sentence = format!(
                "{} {} is associated with {} (Cramér's V {:.2}, p = {:.3} adjusted), a possible proxy",
                p.product.code(),
                x.input,
                x.attribute,
                x.cramers_v,
                x.p_adjusted
            );
            if unjustified.is_empty() {
                verdict.passed.push(format!(
                    "{sentence}; {}",
                    if x.tables.is_empty() {
                        "it is rated by no table".to_owned()
                    } else {
                        format!(
                            "rated through {} under a justification record",
                            x.tables.join(", ")
                        )
                    }
                ));
            } else {
                verdict.flagged.push(format!(
                    "{sentence} rated through {} without a valid justification",
                    unjustified.join(", ")
                ));
            }
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
            provenance: portfolio.provenance.clone(),
            group_attributes: attributes.iter().map(|(a, _)| a.clone()).collect(),
            rating_date: date.to_string(),
            policies: requests.len() as u64,
            seed,
            engine: format!("fairquote {}", env!("CARGO_PKG_VERSION")),
            thresholds: format!(
                "material: p < {} after Holm's adjustment for the report's {} outcome tests (permutation, {} shuffles), and at least {} points or {} %; four-fifths below 0.8 and significant; a factor carries a gap from {} in mean log premium; a proxy from Cramér's V {} with p < 0.05 (χ² test, Holm-adjusted for the {} proxy tests); intervals from {} bootstrap resamples",
                outcomes::SIGNIFICANCE,
                raw.len(),
                outcomes::PERMUTATIONS,
                outcomes::MATERIAL_POINTS * 100.0,
                outcomes::MATERIAL_RELATIVE * 100.0,
                MATERIAL_TERM,
                proxies::PROXY_V,
                proxy_raw.len(),
                outcomes::RESAMPLES
            ),
        },
        prohibited_factors:
            "every column and key of both products' tables passed the protected-criteria lint: none names a criterion of the anti-discrimination acts of 10 May 2007 that is never allowed (in English, French, Dutch or German), and each that is allowed only with a justification is declared by its table's record".into(),
        factor_inventory: inventory,
        parity,
        outcomes,
        proxies: all_proxies,
        renewal_vs_new_business: check,
        governance: Governance::of(&[
            &books.liability.version,
            &books.income_protection.version,
        ]),
        cannot_show,
        experience: None,
    }
}

/// Every rating table of both products, with the record that justifies it.
fn factor_inventory(books: &RateBooks, date: NaiveDate) -> Vec<FactorEntry> {
    let mut inventory = Vec::new();
    for &(product, name) in crate::rating::book::RATED_TABLES {
        let records = &books.version(product).justifications;
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
    inventory
}
