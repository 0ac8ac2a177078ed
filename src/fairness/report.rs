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

fn reasons_of(groups: std::collections::BTreeMap<String, GroupReasons>) -> Vec<ReasonsOfGroup> {
    groups
        .into_iter()
        .map(|(group, reasons)| {
            let n = reasons.policies as f64;
            let rates = |counts: std::collections::BTreeMap<&'static str, u64>| {
                counts
                    .into_iter()
                    .map(|(code, c)| (code.to_owned(), c as f64 / n))
                    .collect()
            };
            ReasonsOfGroup {
                group,
                policies: reasons.policies,
                declined_by: rates(reasons.declined_by),
                referred_by: rates(reasons.referred_by),
            }
        })
        .collect()
}

/// What the outcome tests need of a priced policy (its group is set by each attribute).
fn observation(p: &Priced, units: f64) -> Observation {
    let offered = p.decision != Decision::Decline;
    let per_unit = p
        .total
        .filter(|_| offered)
        .and_then(|t| t.to_f64())
        .map(|t| t / units.max(1e-9));
    let to_risk = match (p.total, p.risk) {
        (Some(t), Some(k)) if offered && !k.is_zero() => (t / k).to_f64(),
        _ => None,
    };
    Observation {
        group: String::new(),
        accepted: p.decision == Decision::Accept,
        referred: p.decision == Decision::Refer,
        declined: p.decision == Decision::Decline,
        premium_per_unit: per_unit,
        premium_to_risk: to_risk,
    }
}

/// The fairness report on a whole book at once.
pub fn report(
    books: &RateBooks,
    portfolio: &Portfolio,
    source: &str,
    seed: u64,
    date: NaiveDate,
) -> FairnessReport {
    let mut assessment = Assessment::new(books, date, seed, SAMPLE);
    assessment.add(portfolio);
    assessment.finish(source)
}

/// What a group's declines and referrals were for: its policies and each reason's count.
#[derive(Debug, Clone, Default)]
struct GroupReasons {
    policies: u64,
    declined_by: std::collections::BTreeMap<&'static str, u64>,
    referred_by: std::collections::BTreeMap<&'static str, u64>,
}

/// Policies of each product in the seeded sample that the report's permutation tests,
/// bootstrap intervals and medians are computed on: a book with no more than this of a product
/// is its own sample, and its report is that of every policy. Counts, rates, means, gaps and
/// proxies are always of every policy. The tests cost a constant at any size of book (their
/// 1,000 shuffles of 10,000,000 labels would be 10^10 draws a test) and keep their power:
/// 100,000 policies tell a 5-point difference in acceptance from chance many times over.
pub const SAMPLE: usize = 100_000;

/// The most distinct values of a column counted: beyond it a column (an identifier) is said to
/// have more, without holding them all.
const DISTINCT_COUNTED: usize = 10_000;

/// A seeded uniform sample of a fixed size, drawn as the rows come: the rows whose seeded
/// hash of their place in the book is smallest (a bottom-k sample). The same rows whatever the
/// parts the book is read in, and every row when there are no more than `size`.
struct SeededSample<T> {
    size: usize,
    seed: u64,
    /// The rows offered.
    seen: u64,
    kept: std::collections::BinaryHeap<Drawn<T>>,
}

struct Drawn<T> {
    key: (u64, u64),
    value: T,
}

impl<T> PartialEq for Drawn<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<T> Eq for Drawn<T> {}
impl<T> PartialOrd for Drawn<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Drawn<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// SplitMix64's finaliser: a fixed, documented mixing of 64 bits (Steele, Lea and Flood, 2014),
/// written out so that the sample is the same on any machine and in any later build.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl<T> SeededSample<T> {
    fn new(size: usize, seed: u64) -> Self {
        SeededSample {
            size,
            seed,
            seen: 0,
            kept: std::collections::BinaryHeap::new(),
        }
    }

    /// Offers the row at `row` of the book; `value` is made only if the row is kept.
    fn offer(&mut self, row: u64, value: impl FnOnce() -> T) {
        self.seen += 1;
        let key = (mix(mix(self.seed) ^ row), row);
        if self.kept.len() < self.size {
            self.kept.push(Drawn {
                key,
                value: value(),
            });
        } else if self.kept.peek().is_some_and(|largest| key < largest.key) {
            self.kept.pop();
            self.kept.push(Drawn {
                key,
                value: value(),
            });
        }
    }

    /// The rows kept, in the book's order.
    fn into_rows(self) -> Vec<T> {
        let mut kept = self.kept.into_vec();
        kept.sort_by_key(|d| d.key.1);
        kept.into_iter().map(|d| d.value).collect()
    }
}

/// A policy as the sample keeps it: its group in each audit attribute (the group's number in
/// `Attribute::names`, or `NO_GROUP`), its outcome and split. Small, since the report keeps up
/// to `SAMPLE` of them a product: numbers rather than each group's text.
struct Sampled {
    groups: Box<[u32]>,
    outcome: Observation,
    split: Option<Split>,
}

/// One product by one audit attribute, over every policy.
#[derive(Default)]
struct Cell {
    rows: u64,
    outcomes: outcomes::GroupTally,
    gaps: attribution::GapTally,
    reasons: std::collections::BTreeMap<String, GroupReasons>,
    /// One table a rating input of the product, in `rating_inputs` order; `None` when the
    /// book has no such column.
    proxies: Vec<Option<proxies::Contingency>>,
}

/// A sampled policy's group in an attribute it has no value of, or that was no longer a group
/// column when the policy was read.
const NO_GROUP: u32 = u32::MAX;

/// An audit-only group column of the book, and the distinct values it has shown, numbered as
/// they first appeared.
struct Attribute {
    name: String,
    distinct: std::collections::HashMap<String, u32>,
    /// The distinct values by their number.
    names: Vec<String>,
}

impl Attribute {
    /// Whether it is a group column still: no more distinct values than a group may have.
    fn analysed(&self) -> bool {
        self.distinct.len() <= MAX_GROUPS
    }
}

/// The fairness report on a book read part by part: every part priced and counted as it
/// comes (`add`), then the report made (`finish`). Memory is bounded by the groups, the
/// rating inputs' values and the seeded sample, not by the book; the same book read in any
/// parts gives the same report, byte for byte.
pub struct Assessment<'a> {
    books: &'a RateBooks,
    date: NaiveDate,
    seed: u64,
    policies: u64,
    provenance: Option<String>,
    /// The book's audit-only group columns, found in its first part.
    attributes: Option<Vec<Attribute>>,
    /// By product (in `Product::ALL` order), then attribute.
    cells: [Vec<Cell>; 2],
    samples: [SeededSample<Sampled>; 2],
    renewals: RenewalCheck,
}

fn product_index(product: Product) -> usize {
    Product::ALL.iter().position(|p| *p == product).unwrap_or(0)
}

/// A text column of a part, by name.
fn text<'f>(
    frame: &'f polars::prelude::DataFrame,
    name: &str,
) -> Option<&'f polars::prelude::StringChunked> {
    frame.column(name).ok()?.str().ok()
}

/// A text column's values.
fn text_column(frame: &polars::prelude::DataFrame, name: &str) -> Option<Vec<Option<String>>> {
    Some(
        text(frame, name)?
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect(),
    )
}

impl<'a> Assessment<'a> {
    /// An assessment on the books in force on `date`, its draws seeded with `seed`, its tests
    /// on a sample of at most `sample` policies of each product (`SAMPLE` in a report).
    pub fn new(books: &'a RateBooks, date: NaiveDate, seed: u64, sample: usize) -> Self {
        Assessment {
            books,
            date,
            seed,
            policies: 0,
            provenance: None,
            attributes: None,
            cells: [Vec::new(), Vec::new()],
            // Each product its own stream of the seed.
            samples: [
                SeededSample::new(sample, seed),
                SeededSample::new(sample, seed ^ 0x5a5a_5a5a_5a5a_5a5a),
            ],
            renewals: RenewalCheck {
                compared: 0,
                renewal_higher: 0,
                examples: Vec::new(),
            },
        }
    }

    /// Prices and counts the next part of the book.
    pub fn add(&mut self, part: &Portfolio) {
        let date = self.date;
        let books = self.books;
        let requests: Vec<QuoteRequest> = part
            .requests
            .iter()
            .map(|r| QuoteRequest {
                rating_date: date,
                ..r.clone()
            })
            .collect();
        let results: Vec<Option<Priced>> = requests.par_iter().map(|r| priced(books, r)).collect();
        self.renewals(&requests, &part.policy_ids);
        if self.provenance.is_none() {
            self.provenance = Some(part.provenance.clone());
        }
        let attributes = self.attributes.get_or_insert_with(|| {
            crate::portfolio::group_columns(&part.frame)
                .into_iter()
                .filter(|name| text(&part.frame, name).is_some())
                .map(|name| Attribute {
                    name,
                    distinct: Default::default(),
                    names: Vec::new(),
                })
                .collect()
        });
        let inputs: [Vec<RatingInput>; 2] = Product::ALL.map(rating_inputs);
        if self.cells[0].len() != attributes.len() {
            for (k, cells) in self.cells.iter_mut().enumerate() {
                *cells = attributes
                    .iter()
                    .map(|_| Cell {
                        proxies: inputs[k]
                            .iter()
                            .map(|(input, _, _)| {
                                text(&part.frame, input).map(|_| Default::default())
                            })
                            .collect(),
                        ..Cell::default()
                    })
                    .collect();
            }
        }
        // Each attribute's groups in this part, while it is still a group column.
        let mut groups: Vec<Option<Vec<Option<String>>>> = Vec::new();
        for attribute in attributes.iter_mut() {
            // Counted on while a column may still be shown to have too many.
            let values = text_column(&part.frame, &attribute.name)
                .filter(|_| attribute.distinct.len() <= DISTINCT_COUNTED);
            if let Some(values) = &values {
                for value in values.iter().flatten() {
                    if attribute.distinct.len() > DISTINCT_COUNTED {
                        break;
                    }
                    if !attribute.distinct.contains_key(value) {
                        attribute
                            .distinct
                            .insert(value.clone(), attribute.names.len() as u32);
                        attribute.names.push(value.clone());
                    }
                }
            }
            groups.push(values.filter(|_| attribute.analysed()));
        }
        // Each rating input's values in this part, numbers in their bands.
        let banded: [Vec<Option<Vec<std::borrow::Cow<'_, str>>>>; 2] = std::array::from_fn(|k| {
            inputs[k]
                .iter()
                .map(|(input, edges, _)| {
                    let values = text(&part.frame, input)?;
                    Some(
                        values
                            .iter()
                            .map(|v| {
                                let v = v.unwrap_or("");
                                match edges {
                                    Some(edges) => proxies::band(v, edges).into(),
                                    None => v.into(),
                                }
                            })
                            .collect(),
                    )
                })
                .collect()
        });
        for (i, (request, result)) in requests.iter().zip(&results).enumerate() {
            let Some(p) = result else {
                continue;
            };
            let product = request.application.product();
            let k = product_index(product);
            let outcome = observation(p, unit(&request.application));
            for (a, cell) in self.cells[k].iter_mut().enumerate() {
                let Some(group) = groups[a].as_ref().and_then(|g| g[i].as_deref()) else {
                    continue;
                };
                cell.rows += 1;
                cell.outcomes.add(&Observation {
                    group: group.to_owned(),
                    ..outcome.clone()
                });
                if let Some(split) = &p.split {
                    cell.gaps.add(group, split);
                }
                let reasons = match cell.reasons.get_mut(group) {
                    Some(reasons) => reasons,
                    None => cell.reasons.entry(group.to_owned()).or_default(),
                };
                reasons.policies += 1;
                let counts = match p.decision {
                    Decision::Decline => Some(&mut reasons.declined_by),
                    Decision::Refer => Some(&mut reasons.referred_by),
                    Decision::Accept => None,
                };
                if let Some(counts) = counts {
                    for code in &p.reasons {
                        *counts.entry(code).or_default() += 1;
                    }
                }
                for (table, values) in cell.proxies.iter_mut().zip(&banded[k]) {
                    if let (Some(table), Some(values)) = (table, values) {
                        table.add(&values[i], group);
                    }
                }
            }
            let row = self.policies + i as u64;
            self.samples[k].offer(row, || Sampled {
                groups: groups
                    .iter()
                    .zip(attributes.iter())
                    .map(|(g, attribute)| {
                        g.as_ref()
                            .and_then(|g| g[i].as_deref())
                            .and_then(|group| attribute.distinct.get(group).copied())
                            .unwrap_or(NO_GROUP)
                    })
                    .collect(),
                outcome,
                split: p.split.clone(),
            });
        }
        self.policies += requests.len() as u64;
    }

    /// Each policy priced as new business and as a renewal: the renewal must not cost more.
    fn renewals(&mut self, requests: &[QuoteRequest], policy_ids: &[String]) {
        let books = self.books;
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
        let check = &mut self.renewals;
        for (i, new, renewal) in renewals {
            if let (Some(new), Some(renewal)) = (new, renewal) {
                check.compared += 1;
                if renewal > new {
                    check.renewal_higher += 1;
                    if check.examples.len() < 20 {
                        check.examples.push(policy_ids[i].clone());
                    }
                }
            }
        }
    }

    /// The report on every part added.
    pub fn finish(self, source: &str) -> FairnessReport {
        let Assessment {
            books,
            date,
            seed,
            policies,
            provenance,
            attributes,
            cells,
            samples,
            renewals: check,
        } = self;
        let inventory = factor_inventory(books, date);
        let mut cannot_show = Vec::new();
        let attributes = attributes.unwrap_or_default();
        for attribute in attributes.iter().filter(|a| !a.analysed()) {
            let count = match attribute.distinct.len() {
                n if n > DISTINCT_COUNTED => format!("more than {DISTINCT_COUNTED}"),
                n => n.to_string(),
            };
            cannot_show.push(format!(
                "the column `{}` has {count} distinct values, more than the {MAX_GROUPS} a group may have: it is not analysed as a group",
                attribute.name
            ));
        }
        if !attributes.iter().any(Attribute::analysed) {
            cannot_show.push(
                "the book carries no audit-only group column (such as gender or nationality_group): outcomes by group, their attribution and proxies cannot be shown"
                    .to_owned(),
            );
        }
        let mut sampled = [(0u64, 0u64); 2];
        let mut outcomes = Vec::new();
        let mut all_proxies = Vec::new();
        for ((product, cells), sample) in Product::ALL.into_iter().zip(cells).zip(samples) {
            let seen = sample.seen;
            let sample = sample.into_rows();
            sampled[product_index(product)] = (sample.len() as u64, seen);
            let mut product_proxies = Vec::new();
            for ((a, attribute), cell) in attributes.iter().enumerate().zip(cells) {
                if !attribute.analysed() {
                    continue;
                }
                let name = &attribute.name;
                if cell.rows == 0 {
                    cannot_show.push(format!(
                        "no {} policy has a value of `{name}`: its outcomes by {name} cannot be shown",
                        product.code()
                    ));
                    continue;
                }
                let in_sample = || {
                    sample.iter().filter_map(move |s| {
                        let group = attribute.names.get(s.groups[a] as usize)?;
                        Some((group.as_str(), s))
                    })
                };
                let observations: Vec<Observation> = in_sample()
                    .map(|(group, s)| Observation {
                        group: group.to_owned(),
                        ..s.outcome.clone()
                    })
                    .collect();
                let splits: Vec<(&str, &Split)> = in_sample()
                    .filter_map(|(group, s)| Some((group, s.split.as_ref()?)))
                    .collect();
                let mut gaps = attribution::attribute(&cell.gaps, &splits, seed.wrapping_add(2));
                for gap in &mut gaps {
                    for factor in &mut gap.factors {
                        if let Some(entry) = entry_of(&inventory, product, &factor.table) {
                            factor.status = entry.status.clone();
                            factor.protected_criteria = entry.protected_criteria.clone();
                        }
                    }
                }
                for ((input, _, tables), table) in
                    rating_inputs(product).into_iter().zip(&cell.proxies)
                {
                    let Some(table) = table else {
                        continue;
                    };
                    let (cramers_v, p_value) = table.association();
                    product_proxies.push(Proxy {
                        input: input.to_owned(),
                        attribute: name.clone(),
                        cramers_v,
                        p_value,
                        p_adjusted: p_value,
                        flagged: false,
                        tables: tables.iter().map(|t| t.to_string()).collect(),
                    });
                }
                outcomes.push(GroupOutcome {
                    product,
                    attribute: name.clone(),
                    acceptance: outcomes::acceptance(&cell.outcomes, &observations, seed),
                    premium_per_unit: outcomes::premium(
                        &cell.outcomes,
                        &observations,
                        seed.wrapping_add(1),
                    ),
                    risk_adjusted: outcomes::risk_adjusted(&cell.outcomes),
                    gaps,
                    acceptance_drivers: reasons_of(cell.reasons),
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
                x.flagged =
                    x.p_adjusted < outcomes::SIGNIFICANCE && x.cramers_v >= proxies::PROXY_V;
            }
        }
        cannot_show.push(NO_EXPERIENCE.to_owned());

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
            if o.acceptance.parity.four_fifths_flag
                && o.acceptance.p_adjusted < outcomes::SIGNIFICANCE
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
            provenance: provenance.unwrap_or_default(),
            group_attributes: attributes
                .iter()
                .filter(|a| a.analysed())
                .map(|a| a.name.clone())
                .collect(),
            rating_date: date.to_string(),
            policies,
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
            ) + &format!(
                "; tests, intervals and medians on a seeded uniform sample of at most {SAMPLE} policies of each product priced (liability {} of {}, income protection {} of {}), counts, rates, means, gaps and proxies on every policy",
                sampled[0].0, sampled[0].1, sampled[1].0, sampled[1].1
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

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn(size: usize, seed: u64, rows: u64) -> Vec<u64> {
        let mut sample = SeededSample::new(size, seed);
        for row in 0..rows {
            sample.offer(row, || row);
        }
        sample.into_rows()
    }

    #[test]
    fn the_seeded_sample_is_every_row_when_small_and_uniform_when_not() {
        assert_eq!(drawn(10, 1, 7), (0..7).collect::<Vec<_>>());
        let kept = drawn(100, 1, 1000);
        assert_eq!(kept.len(), 100);
        assert!(kept.windows(2).all(|w| w[0] < w[1]), "in the book's order");
        assert_eq!(kept, drawn(100, 1, 1000), "the same for the same seed");
        assert_ne!(kept, drawn(100, 2, 1000), "another for another seed");
        // Each row is kept with chance 100/1000: over 400 seeds, every tenth of the book holds
        // a tenth of the draws (4,000 each, binomial sd about 60), and row 0 about 40 times.
        let mut tenths = [0u32; 10];
        let mut first = 0;
        for seed in 0..400 {
            for row in drawn(100, seed, 1000) {
                tenths[(row / 100) as usize] += 1;
                first += u32::from(row == 0);
            }
        }
        for count in tenths {
            assert!((3700..=4300).contains(&count), "{tenths:?}");
        }
        assert!((20..=60).contains(&first), "{first}");
    }
}
