//! The rating engine: rate books + an application -> a decision, a premium and a worksheet.
//!
//! Pure: no tonic, no files, no clock. The same inputs give the same quote, bit for bit,
//! which is what makes a logged quote replayable.

pub mod book;
mod charges;
mod income_protection;
mod liability;

use chrono::NaiveDate;

use crate::domain::invalid::describe_fields;
use crate::domain::{ArithmeticError, InvalidField, PricedQuote, ProductApplication, QuoteRequest};
pub use book::RateBooks;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RatingError {
    /// The request is well formed but asks for something the model does not offer
    /// (an unknown occupation, a limit not in the table, a date before the model).
    #[error("the request asks for cover the model does not offer: {}", describe_fields(.0))]
    NotOffered(Vec<InvalidField>),
    #[error(transparent)]
    Arithmetic(#[from] ArithmeticError),
}

/// Prices one request with the rate books in force. `quoted_on` is the day the quote is
/// given: it starts the validity period.
pub fn quote(
    books: &RateBooks,
    request: &QuoteRequest,
    quoted_on: NaiveDate,
) -> Result<PricedQuote, RatingError> {
    match &request.application {
        ProductApplication::Liability(application) => {
            liability::quote(&books.liability, request, application, quoted_on)
        }
        ProductApplication::IncomeProtection(application) => {
            income_protection::quote(&books.income_protection, request, application, quoted_on)
        }
    }
}

/// A rating date before the model's effective date has no tables to price it.
fn check_in_force(
    version: &book::ModelVersion,
    rating_date: NaiveDate,
    problems: &mut Vec<InvalidField>,
) {
    if rating_date < version.effective_from {
        problems.push(InvalidField::new(
            "rating_date",
            format!(
                "no {} model is in force on {rating_date}; the current one starts on {}",
                version.product.code(),
                version.effective_from
            ),
        ));
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
