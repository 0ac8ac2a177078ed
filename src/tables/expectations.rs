//! `expected_premiums.csv`: the test cases that ship with a model version. Each row is an
//! application with the decision and total premium the actuary expects; `fairquote model test`
//! prices every row and lists each case that does not come out as expected.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::domain::{Decision, Product, QuoteRequest, bounds};
use crate::rating::{self, ModelSelection};

use super::application::{RowCells, quote_request};
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
    let mut columns: Vec<&str> = COMMON.iter().chain(product_columns).copied().collect();
    // An income-protection case may give the family situation, or leave it out.
    if files.product == Product::IncomeProtection
        && table.columns().iter().any(|c| c == "family_situation")
    {
        columns.push("family_situation");
    }
    if !table.check_case_columns(&columns, faults) {
        return Vec::new();
    }
    let mut cases = Vec::new();
    let mut seen = HashMap::new();
    for index in 0..table.height() {
        let before = faults.len();
        let case = table.required(index, "case", faults);
        // The application and its dates and codes, read as a portfolio row is read.
        let mut cells = RowCells::new(|column| table.text(index, column));
        let request = quote_request(files.product, &mut cells);
        faults.extend(
            cells
                .faults
                .into_iter()
                .map(|f| table.fault(index, &f.field, f.description)),
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
        let (Some(case), Some(request), Some(decision)) = (case, request, decision) else {
            continue;
        };
        if faults.len() > before || !table.unique(&mut seen, case.clone(), index, "case", faults) {
            continue;
        }
        cases.push(ExpectedPremium {
            case,
            row: file_row(index),
            request,
            decision,
            total,
        });
    }
    cases
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
