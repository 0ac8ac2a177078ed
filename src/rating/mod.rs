//! The rating engine: rate books + an application -> a decision, a premium and a worksheet.
//!
//! Pure: no tonic, no files, no clock. The same inputs give the same quote, bit for bit,
//! which is what makes a logged quote replayable.

pub mod book;
mod charges;
pub mod criteria;
mod income_protection;
pub use income_protection::{DeferredBesideStatutory, deferred_beside_statutory};
mod liability;
mod outcome;
pub mod product_information;
pub mod schedule;
pub mod wording;

use chrono::NaiveDate;

use crate::domain::invalid::describe_fields;
use crate::domain::{
    ArithmeticError, InvalidField, Language, PricedQuote, ProductApplication, QuoteRequest,
    TransactionType, Worksheet,
};
pub use book::RateBooks;
use book::{IncomeProtectionRateBook, LiabilityRateBook, ModelVersion};
pub use schedule::ModelSchedule;
use wording::{Wording, Words};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RatingError {
    /// The request is well formed but asks for something the model does not offer
    /// (an unknown occupation, a limit not in the table, a date before the model).
    #[error("the request asks for cover the model does not offer: {}", describe_fields(.0))]
    NotOffered(Vec<InvalidField>),
    #[error(transparent)]
    Arithmetic(#[from] ArithmeticError),
}

/// Where the engine finds the rate book for a request: the pair of rate books of one models
/// folder, or the schedule of versions in force (`ModelSchedule`).
pub trait ModelSelection {
    fn liability_for(&self, request: &QuoteRequest) -> Result<&LiabilityRateBook, InvalidField>;
    fn income_protection_for(
        &self,
        request: &QuoteRequest,
    ) -> Result<&IncomeProtectionRateBook, InvalidField>;
}

/// Prices one request with the rate book its selection gives. `quoted_on` is the day the
/// quote is given: it starts the validity period.
pub fn quote<M: ModelSelection + ?Sized>(
    models: &M,
    request: &QuoteRequest,
    quoted_on: NaiveDate,
) -> Result<PricedQuote, RatingError> {
    quote_on(models, request, quoted_on, Worksheet::for_quote())
}

/// The same quote, to the cent, with a worksheet of figures only (no wording): for analyses
/// that price whole portfolios or grids and read only decisions and premiums.
pub fn quote_figures<M: ModelSelection + ?Sized>(
    models: &M,
    request: &QuoteRequest,
    quoted_on: NaiveDate,
) -> Result<PricedQuote, RatingError> {
    quote_on(models, request, quoted_on, Worksheet::figures_only())
}

fn quote_on<M: ModelSelection + ?Sized>(
    models: &M,
    request: &QuoteRequest,
    quoted_on: NaiveDate,
    worksheet: Worksheet,
) -> Result<PricedQuote, RatingError> {
    let not_offered = |field: InvalidField| RatingError::NotOffered(vec![field]);
    match &request.application {
        ProductApplication::Liability(application) => {
            let book = models.liability_for(request).map_err(not_offered)?;
            liability::quote(book, request, application, quoted_on, worksheet)
        }
        ProductApplication::IncomeProtection(application) => {
            let book = models.income_protection_for(request).map_err(not_offered)?;
            income_protection::quote(book, request, application, quoted_on, worksheet)
        }
    }
}

/// The date from which a version prices this kind of transaction.
pub fn effective_from(version: &ModelVersion, transaction: TransactionType) -> NaiveDate {
    match transaction {
        TransactionType::NewBusiness => version.effective_from,
        TransactionType::Renewal => version.renewal_effective_from,
    }
}

/// Checks a version against a request: a pinned id must be this version, and an unpinned
/// request must be dated on or after the version's effective date for its transaction type.
pub fn check_version(version: &ModelVersion, request: &QuoteRequest) -> Result<(), InvalidField> {
    match &request.model_version {
        Some(pinned) if *pinned != version.id => Err(InvalidField::new(
            "model_version",
            format!(
                "model version {pinned} is not available for {}",
                version.product.code()
            ),
        )),
        Some(_) => Ok(()),
        None if request.rating_date < effective_from(version, request.transaction_type) => {
            Err(InvalidField::new(
                "rating_date",
                format!(
                    "no {} model is in force on {}; the earliest starts on {}",
                    version.product.code(),
                    request.rating_date,
                    effective_from(version, request.transaction_type)
                ),
            ))
        }
        None => Ok(()),
    }
}

impl ModelSelection for RateBooks {
    fn liability_for(&self, request: &QuoteRequest) -> Result<&LiabilityRateBook, InvalidField> {
        check_version(&self.liability.version, request).map(|()| &self.liability)
    }

    fn income_protection_for(
        &self,
        request: &QuoteRequest,
    ) -> Result<&IncomeProtectionRateBook, InvalidField> {
        check_version(&self.income_protection.version, request).map(|()| &self.income_protection)
    }
}

/// The applicant's occupation in the product's catalog, or a problem naming the field.
fn find_occupation<'a>(
    catalog: &'a book::OccupationCatalog,
    code: &str,
    product_field: &str,
    problems: &mut Vec<InvalidField>,
) -> Option<&'a book::Occupation> {
    let occupation = catalog.get(code);
    if occupation.is_none() {
        problems.push(InvalidField::new(
            format!("{product_field}.occupation"),
            format!(
                "`{code}` is not in the occupation catalog; known: {}",
                catalog
                    .occupations
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    occupation
}

/// The version's wording in the language asked for, or a refusal naming the languages it speaks.
pub fn words_for<'a>(
    wording: &'a Wording,
    version: &ModelVersion,
    language: Language,
) -> Result<Words<'a>, InvalidField> {
    wording.words(language).ok_or_else(|| {
        let spoken: Vec<&str> = wording.languages().iter().map(|l| l.code()).collect();
        InvalidField::new(
            "language",
            format!(
                "the {} model version {} is not worded in {language}; it speaks: {}",
                version.product.code(),
                version.id,
                spoken.join(", ")
            ),
        )
    })
}
