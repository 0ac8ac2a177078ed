//! `expected_premiums.csv`: the test cases that ship with a model version. Each row is an
//! application with the decision and total premium the actuary expects; `fairquote model test`
//! prices every row and lists each case that does not come out as expected.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    BenefitPeriod, Decision, EmploymentStatus, IncomeProtectionApplication, IncomeProtectionFields,
    InvalidField, LiabilityApplication, LiabilityFields, PaymentFrequency, Product,
    ProductApplication, QuoteRequest, RiskMeasure, TransactionType, WorkSetting, bounds,
};
use crate::rating::{self, ModelSelection};

use super::fault::TableFault;
use super::files::ModelFiles;
use super::frame::{RatingTable, file_row};

pub const FILE: &str = "expected_premiums";

const COMMON: &[&str] = &[
    "case",
    "rating_date",
    "transaction_type",
    "payment_frequency",
    "expected_decision",
    "expected_total",
];
const LIABILITY: &[&str] = &[
    "occupation",
    "work_setting",
    "annual_turnover",
    "limit_of_indemnity",
    "deductible",
    "claims_last_5_years",
    "years_of_activity",
    "risk_management_measures",
];
const INCOME_PROTECTION: &[&str] = &[
    "age",
    "occupation",
    "employment_status",
    "average_monthly_income",
    "monthly_benefit",
    "deferred_period_days",
    "benefit_period",
    "smoker",
    "claims_last_5_years",
];

/// One case: what goes in, what should come out.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedPremium {
    pub case: String,
    /// The row of `expected_premiums.csv`.
    pub row: usize,
    pub request: QuoteRequest,
    pub decision: Decision,
    /// `None` for a decline.
    pub total: Option<Decimal>,
}

/// A case as priced.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseOutcome {
    pub product: Product,
    pub expected: ExpectedPremium,
    pub decision: Option<Decision>,
    pub total: Option<Decimal>,
    /// Why the case could not be priced at all.
    pub error: Option<String>,
}

impl CaseOutcome {
    pub fn passed(&self) -> bool {
        self.error.is_none()
            && self.decision == Some(self.expected.decision)
            && self.total == self.expected.total
    }
}

fn parse<T>(
    table: &RatingTable,
    index: usize,
    column: &str,
    allowed: &[&str],
    parse: impl Fn(&str) -> Option<T>,
    faults: &mut Vec<TableFault>,
) -> Option<T> {
    table.code(index, column, parse, allowed, faults)
}

/// The expected total: an amount in whole cents within the domain's bounds.
fn total(
    table: &RatingTable,
    index: usize,
    column: &str,
    faults: &mut Vec<TableFault>,
) -> Option<Decimal> {
    let value = table.decimal(index, column, faults)?;
    bounds::amount(value, Decimal::ZERO)
        .map_err(|problem| faults.push(table.fault(index, column, problem)))
        .ok()
}

/// An application a domain constructor made, or its problems at their columns.
fn placed<T>(
    table: &RatingTable,
    index: usize,
    made: Result<T, Vec<InvalidField>>,
    faults: &mut Vec<TableFault>,
) -> Option<T> {
    made.map_err(|problems| {
        faults.extend(
            problems
                .into_iter()
                .map(|p| table.fault(index, &p.field, p.description)),
        )
    })
    .ok()
}

/// Reads the cases of a version; a version without the file has none.
pub fn read(files: &ModelFiles, faults: &mut Vec<TableFault>) -> Vec<ExpectedPremium> {
    if !files.files.contains_key(&format!("{FILE}.csv")) {
        return Vec::new();
    }
    let Some(table) = files.table(FILE, faults) else {
        return Vec::new();
    };
    let product_columns = match files.product {
        Product::Liability => LIABILITY,
        Product::IncomeProtection => INCOME_PROTECTION,
    };
    let columns: Vec<&str> = COMMON.iter().chain(product_columns).copied().collect();
    if !table.check_columns(&columns, faults) {
        return Vec::new();
    }
    let mut cases = Vec::new();
    let mut seen = HashMap::new();
    for index in 0..table.height() {
        let before = faults.len();
        let case = table.required(index, "case", faults);
        let rating_date = table.required(index, "rating_date", faults).and_then(|d| {
            let date = NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok();
            if date.is_none() {
                faults.push(TableFault::at(
                    &table.file,
                    Some(file_row(index)),
                    Some("rating_date"),
                    format!("`{d}` is not a date (YYYY-MM-DD)"),
                ));
            }
            date
        });
        let transaction_type = parse(
            &table,
            index,
            "transaction_type",
            &["new_business", "renewal"],
            TransactionType::from_code,
            faults,
        );
        let payment_frequency = parse(
            &table,
            index,
            "payment_frequency",
            &["annual", "monthly"],
            PaymentFrequency::from_code,
            faults,
        );
        let decision = parse(
            &table,
            index,
            "expected_decision",
            &["accept", "refer", "decline"],
            |t| match t {
                "accept" => Some(Decision::Accept),
                "refer" => Some(Decision::Refer),
                "decline" => Some(Decision::Decline),
                _ => None,
            },
            faults,
        );
        let total = match table.text(index, "expected_total") {
            None => None,
            Some(_) => total(&table, index, "expected_total", faults),
        };
        let application = match files.product {
            Product::Liability => {
                liability(&table, index, faults).map(ProductApplication::Liability)
            }
            Product::IncomeProtection => {
                income_protection(&table, index, faults).map(ProductApplication::IncomeProtection)
            }
        };
        if let (Some(decision), Some(total)) = (decision, &total)
            && decision == Decision::Decline
        {
            faults.push(TableFault::at(
                &table.file,
                Some(file_row(index)),
                Some("expected_total"),
                format!("a decline has no premium, yet {total} is expected"),
            ));
        }
        if decision.is_some_and(|d| d != Decision::Decline)
            && table.text(index, "expected_total").is_none()
        {
            faults.push(TableFault::at(
                &table.file,
                Some(file_row(index)),
                Some("expected_total"),
                "an accept or a referral needs its expected total",
            ));
        }
        let (
            Some(case),
            Some(rating_date),
            Some(transaction_type),
            Some(payment_frequency),
            Some(decision),
            Some(application),
        ) = (
            case,
            rating_date,
            transaction_type,
            payment_frequency,
            decision,
            application,
        )
        else {
            continue;
        };
        if faults.len() > before || !table.unique(&mut seen, case.clone(), index, "case", faults) {
            continue;
        }
        cases.push(ExpectedPremium {
            case,
            row: file_row(index),
            request: QuoteRequest {
                rating_date,
                transaction_type,
                payment_frequency,
                model_version: None,
                application,
            },
            decision,
            total,
        });
    }
    cases
}

fn liability(
    t: &RatingTable,
    index: usize,
    faults: &mut Vec<TableFault>,
) -> Option<LiabilityApplication> {
    let settings: Vec<&str> = WorkSetting::ALL.iter().map(|s| s.code()).collect();
    let occupation = t.required(index, "occupation", faults);
    let work_setting = parse(
        t,
        index,
        "work_setting",
        &settings,
        WorkSetting::from_code,
        faults,
    );
    let annual_turnover = t.decimal(index, "annual_turnover", faults);
    let limit_of_indemnity = t.decimal(index, "limit_of_indemnity", faults);
    let deductible = t.decimal(index, "deductible", faults);
    let claims = t.whole(index, "claims_last_5_years", faults);
    let years = t.whole(index, "years_of_activity", faults);
    let mut measures = BTreeSet::new();
    for code in t
        .text(index, "risk_management_measures")
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match RiskMeasure::from_code(code) {
            Some(measure) => {
                measures.insert(measure);
            }
            None => faults.push(TableFault::at(
                &t.file,
                Some(file_row(index)),
                Some("risk_management_measures"),
                format!("`{code}` is not a measure"),
            )),
        }
    }
    let fields = LiabilityFields {
        occupation,
        work_setting,
        annual_turnover,
        limit_of_indemnity,
        deductible,
        claims_last_5_years: claims,
        years_of_activity: years,
        risk_measures: measures,
    };
    placed(t, index, LiabilityApplication::new(fields), faults)
}

fn income_protection(
    t: &RatingTable,
    index: usize,
    faults: &mut Vec<TableFault>,
) -> Option<IncomeProtectionApplication> {
    let periods: Vec<&str> = BenefitPeriod::ALL.iter().map(|p| p.code()).collect();
    let age = t.whole(index, "age", faults);
    let occupation = t.required(index, "occupation", faults);
    let employment_status = parse(
        t,
        index,
        "employment_status",
        &["employee", "self_employed"],
        EmploymentStatus::from_code,
        faults,
    );
    let income = t.decimal(index, "average_monthly_income", faults);
    let benefit = t.decimal(index, "monthly_benefit", faults);
    let deferred = t.whole(index, "deferred_period_days", faults);
    let period = parse(
        t,
        index,
        "benefit_period",
        &periods,
        BenefitPeriod::from_code,
        faults,
    );
    let smoker = parse(
        t,
        index,
        "smoker",
        &["yes", "no"],
        |s| match s {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        faults,
    );
    let claims = t.whole(index, "claims_last_5_years", faults);
    let fields = IncomeProtectionFields {
        age,
        occupation,
        employment_status,
        average_monthly_income: income,
        monthly_benefit: benefit,
        deferred_period_days: deferred,
        benefit_period: period,
        smoker,
        claims_last_5_years: claims,
    };
    placed(t, index, IncomeProtectionApplication::new(fields), faults)
}

/// Prices every case with the given models.
pub fn run<M: ModelSelection + ?Sized>(
    books: &M,
    product: Product,
    cases: &[ExpectedPremium],
) -> Vec<CaseOutcome> {
    cases
        .iter()
        .map(
            |case| match rating::quote(books, &case.request, case.request.rating_date) {
                Ok(quote) => CaseOutcome {
                    product,
                    expected: case.clone(),
                    decision: Some(quote.decision),
                    total: quote.premium.map(|p| p.total),
                    error: None,
                },
                Err(e) => CaseOutcome {
                    product,
                    expected: case.clone(),
                    decision: None,
                    total: None,
                    error: Some(e.to_string()),
                },
            },
        )
        .collect()
}
