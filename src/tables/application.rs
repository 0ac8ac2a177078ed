//! A quote request read from text cells by column name. A portfolio row and an expected-premium
//! case hold one the same way (the column names of the portfolio format), so both are read
//! here, each supplying its cells and placing the faults at its own file and row; the bounds
//! are those of the domain's constructors.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    BenefitPeriod, EmploymentStatus, FamilySituation, IncomeProtectionApplication,
    IncomeProtectionFields, InvalidField, LiabilityApplication, LiabilityFields, PaymentFrequency,
    Product, ProductApplication, QuoteRequest, RiskMeasure, TransactionType, WorkSetting,
};

/// A cell's trimmed text by its column's name; `None` when it is empty or the column absent.
type CellText<'a> = Box<dyn Fn(&str) -> Option<&'a str> + 'a>;

/// The cells of one row, by column name, and the faults found in them (each named by its
/// column).
pub struct RowCells<'a> {
    text: CellText<'a>,
    pub faults: Vec<InvalidField>,
}

impl<'a> RowCells<'a> {
    /// `text` gives a cell's trimmed text, `None` when it is empty or its column absent.
    pub fn new(text: impl Fn(&str) -> Option<&'a str> + 'a) -> Self {
        RowCells {
            text: Box::new(text),
            faults: Vec::new(),
        }
    }

    fn fault(&mut self, column: &str, message: String) {
        self.faults.push(InvalidField::new(column, message));
    }

    /// A cell that must not be empty.
    pub fn required(&mut self, column: &str) -> Option<&'a str> {
        let value = (self.text)(column);
        if value.is_none() {
            self.fault(column, "the cell is empty".into());
        }
        value
    }

    /// A cell that may be empty.
    pub fn optional(&self, column: &str) -> Option<&'a str> {
        (self.text)(column)
    }

    fn parse<T>(
        &mut self,
        column: &str,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let value = self.required(column)?;
        let parsed = parse(value);
        if parsed.is_none() {
            self.fault(column, format!("`{value}` is not {what}"));
        }
        parsed
    }

    /// A decimal as written; its bounds are the domain's.
    pub fn amount(&mut self, column: &str) -> Option<Decimal> {
        self.parse(column, "an amount", |v| Decimal::from_str(v).ok())
    }

    pub fn whole(&mut self, column: &str) -> Option<u32> {
        self.parse(column, "a whole number from 0 up", |v| v.parse().ok())
    }

    pub fn date(&mut self, column: &str) -> Option<NaiveDate> {
        self.parse(column, "a date (YYYY-MM-DD)", |v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
        })
    }

    /// One of a closed list of codes (`all`, each written as `code` gives it).
    pub fn code<T: Copy>(
        &mut self,
        column: &str,
        all: &[T],
        code: impl Fn(T) -> &'static str,
    ) -> Option<T> {
        let names: Vec<&str> = all.iter().map(|t| code(*t)).collect();
        let what = format!("one of: {}", names.join(", "));
        self.parse(column, &what, |v| {
            all.iter().copied().find(|t| code(*t) == v)
        })
    }

    /// The application's placed problems, or the application.
    fn placed<T>(&mut self, made: Result<T, Vec<InvalidField>>) -> Option<T> {
        made.map_err(|problems| self.faults.extend(problems)).ok()
    }
}

/// The request of a row of this product (a row's `product`, or the folder's): rating date,
/// transaction type, payment frequency, and the product's application.
pub fn quote_request(product: Product, cells: &mut RowCells<'_>) -> Option<QuoteRequest> {
    let rating_date = cells.date("rating_date");
    let transaction_type = cells.code(
        "transaction_type",
        &TransactionType::ALL,
        TransactionType::code,
    );
    let payment_frequency = cells.code(
        "payment_frequency",
        &PaymentFrequency::ALL,
        PaymentFrequency::code,
    );
    let application = application(product, cells);
    Some(QuoteRequest {
        rating_date: rating_date?,
        transaction_type: transaction_type?,
        payment_frequency: payment_frequency?,
        model_version: None,
        language: crate::domain::Language::En,
        application: application?,
    })
}

fn application(product: Product, cells: &mut RowCells<'_>) -> Option<ProductApplication> {
    let occupation = cells.required("occupation").map(str::to_owned);
    let claims_last_5_years = cells.whole("claims_last_5_years");
    match product {
        Product::Liability => {
            let work_setting = cells.code("work_setting", &WorkSetting::ALL, WorkSetting::code);
            let annual_turnover = cells.amount("annual_turnover");
            let limit_of_indemnity = cells.amount("limit_of_indemnity");
            let deductible = cells.amount("deductible");
            let years_of_activity = cells.whole("years_of_activity");
            let mut risk_measures = BTreeSet::new();
            let column = "risk_management_measures";
            for code in cells
                .optional(column)
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                match RiskMeasure::from_code(code) {
                    Some(measure) => {
                        risk_measures.insert(measure);
                    }
                    None => cells.fault(column, format!("`{code}` is not a measure")),
                }
            }
            let fields = LiabilityFields {
                occupation,
                work_setting,
                annual_turnover,
                limit_of_indemnity,
                deductible,
                claims_last_5_years,
                years_of_activity,
                risk_measures,
            };
            cells
                .placed(LiabilityApplication::new(fields))
                .map(ProductApplication::Liability)
        }
        Product::IncomeProtection => {
            let age = cells.whole("age");
            let employment_status = cells.code(
                "employment_status",
                &EmploymentStatus::ALL,
                EmploymentStatus::code,
            );
            let average_monthly_income = cells.amount("average_monthly_income");
            let monthly_benefit = cells.amount("monthly_benefit");
            let deferred_period_days = cells.whole("deferred_period_days");
            let benefit_period =
                cells.code("benefit_period", &BenefitPeriod::ALL, BenefitPeriod::code);
            let smoker = cells.parse("smoker", "yes or no", crate::domain::smoker_from_code);
            // Optional: an empty cell or no column is an applicant who did not say.
            let family_situation = cells.optional("family_situation").and_then(|code| {
                let family = FamilySituation::from_code(code);
                if family.is_none() {
                    cells.fault(
                        "family_situation",
                        format!("`{code}` is not with_dependants, single or cohabiting (or empty)"),
                    );
                }
                family
            });
            let fields = IncomeProtectionFields {
                age,
                occupation,
                employment_status,
                average_monthly_income,
                monthly_benefit,
                deferred_period_days,
                benefit_period,
                smoker,
                claims_last_5_years,
                family_situation,
            };
            cells
                .placed(IncomeProtectionApplication::new(fields))
                .map(ProductApplication::IncomeProtection)
        }
    }
}
