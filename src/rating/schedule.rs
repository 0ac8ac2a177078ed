//! The versions in force: for each product, the versions that price new business and
//! renewals from their effective dates on, and every published version by id (for a request
//! that pins one, and for replay).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::domain::{InvalidField, Product, QuoteRequest, TransactionType};

use super::book::{IncomeProtectionRateBook, LiabilityRateBook, ModelVersion, RateBooks};
use super::{ModelSelection, check_version, effective_from};

/// A published version of either product.
#[derive(Debug, Clone)]
pub enum PublishedBook {
    Liability(Arc<LiabilityRateBook>),
    IncomeProtection(Arc<IncomeProtectionRateBook>),
}

impl PublishedBook {
    pub fn version(&self) -> &ModelVersion {
        match self {
            PublishedBook::Liability(b) => &b.version,
            PublishedBook::IncomeProtection(b) => &b.version,
        }
    }
}

/// A published version prices alone, whatever the request's dates (impact analysis, replay of
/// a pinned quote): asking it for the other product is the only refusal.
impl ModelSelection for PublishedBook {
    fn liability_for(&self, request: &QuoteRequest) -> Result<&LiabilityRateBook, InvalidField> {
        match self {
            PublishedBook::Liability(book) => Ok(book),
            PublishedBook::IncomeProtection(book) => Err(other_product(&book.version, request)),
        }
    }

    fn income_protection_for(
        &self,
        request: &QuoteRequest,
    ) -> Result<&IncomeProtectionRateBook, InvalidField> {
        match self {
            PublishedBook::IncomeProtection(book) => Ok(book),
            PublishedBook::Liability(book) => Err(other_product(&book.version, request)),
        }
    }
}

fn other_product(version: &ModelVersion, request: &QuoteRequest) -> InvalidField {
    InvalidField::new(
        "model_version",
        format!(
            "model version {} is a {} model, not for {}",
            version.id,
            version.product.code(),
            request.application.product().code()
        ),
    )
}

#[derive(Debug, Clone, Default)]
pub struct ModelSchedule {
    /// In force, in order of effective date.
    pub liability: Vec<Arc<LiabilityRateBook>>,
    pub income_protection: Vec<Arc<IncomeProtectionRateBook>>,
    pub published: HashMap<String, PublishedBook>,
}

/// The version in force on a date for a transaction type: the one with the latest effective
/// date on or before it. The one rule of selection, for a quote and for a whole book alike.
fn in_force<B>(
    books: &[Arc<B>],
    version: impl Fn(&B) -> &ModelVersion,
    product: Product,
    transaction: TransactionType,
    date: NaiveDate,
) -> Result<&B, InvalidField> {
    books
        .iter()
        .rev()
        .find(|b| effective_from(version(b), transaction) <= date)
        .map(|b| b.as_ref())
        .ok_or_else(|| {
            let earliest = books
                .iter()
                .map(|b| effective_from(version(b), transaction))
                .min();
            InvalidField::new(
                "rating_date",
                match earliest {
                    Some(earliest) => format!(
                        "no {} model is in force on {date}; the earliest starts on {earliest}",
                        product.code(),
                    ),
                    None => format!("no {} model is in force", product.code()),
                },
            )
        })
}

fn not_published(product: Product, id: &str) -> InvalidField {
    InvalidField::new(
        "model_version",
        format!("no {} model version {id} is published", product.code()),
    )
}

impl ModelSchedule {
    pub fn new(
        liability: Vec<Arc<LiabilityRateBook>>,
        income_protection: Vec<Arc<IncomeProtectionRateBook>>,
        published: HashMap<String, PublishedBook>,
    ) -> Self {
        let mut schedule = ModelSchedule {
            liability,
            income_protection,
            published,
        };
        schedule
            .liability
            .sort_by_key(|b| (b.version.effective_from, b.version.renewal_effective_from));
        schedule
            .income_protection
            .sort_by_key(|b| (b.version.effective_from, b.version.renewal_effective_from));
        schedule
    }

    /// The versions in force for a product, in order of effective date.
    pub fn in_force(&self, product: Product) -> Vec<&ModelVersion> {
        match product {
            Product::Liability => self.liability.iter().map(|b| &b.version).collect(),
            Product::IncomeProtection => {
                self.income_protection.iter().map(|b| &b.version).collect()
            }
        }
    }
}

/// A version whose effective periods cross another's: new business and renewals would select
/// them in different orders, so no date would have one version in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{candidate} starts new business on {candidate_from} and renewals on {candidate_renewals}, {other} on {other_from} and {other_renewals}: their periods cross"
)]
pub struct Crossing {
    pub candidate: String,
    pub candidate_from: NaiveDate,
    pub candidate_renewals: NaiveDate,
    pub other: String,
    pub other_from: NaiveDate,
    pub other_renewals: NaiveDate,
}

/// The rule for what may be put in force, beside the selection by date it must agree with:
/// the versions in force once `candidate` joins `in_force` (the one with the same new-business
/// date is replaced), or the version it would cross.
pub fn put_in_force<'a>(
    in_force: &[&'a ModelVersion],
    candidate: &'a ModelVersion,
) -> Result<Vec<&'a ModelVersion>, Crossing> {
    let mut next = Vec::with_capacity(in_force.len() + 1);
    for other in in_force {
        if other.effective_from == candidate.effective_from {
            continue; // replaced
        }
        let new_business = other.effective_from < candidate.effective_from;
        let renewal = other.renewal_effective_from < candidate.renewal_effective_from;
        if new_business != renewal
            && other.renewal_effective_from != candidate.renewal_effective_from
        {
            return Err(Crossing {
                candidate: candidate.id.clone(),
                candidate_from: candidate.effective_from,
                candidate_renewals: candidate.renewal_effective_from,
                other: other.id.clone(),
                other_from: other.effective_from,
                other_renewals: other.renewal_effective_from,
            });
        }
        next.push(*other);
    }
    next.push(candidate);
    Ok(next)
}

impl ModelSchedule {
    /// The pair of versions in force for new business on a date: what an analysis of a whole
    /// book (the fairness report) prices with, by the same rule as a quote.
    pub fn books_in_force(&self, date: NaiveDate) -> Result<RateBooks, InvalidField> {
        let (liability, income_protection) =
            self.in_force_on(TransactionType::NewBusiness, date)?;
        Ok(RateBooks {
            liability: liability.clone(),
            income_protection: income_protection.clone(),
        })
    }

    /// Each product's version in force on a date for a transaction type: the books a quote of
    /// that date would be priced with (and the product catalogue describes).
    pub fn in_force_on(
        &self,
        transaction: TransactionType,
        date: NaiveDate,
    ) -> Result<(&LiabilityRateBook, &IncomeProtectionRateBook), InvalidField> {
        let liability = in_force(
            &self.liability,
            |b| &b.version,
            Product::Liability,
            transaction,
            date,
        )?;
        let income_protection = in_force(
            &self.income_protection,
            |b| &b.version,
            Product::IncomeProtection,
            transaction,
            date,
        )?;
        Ok((liability, income_protection))
    }
}

impl From<RateBooks> for ModelSchedule {
    fn from(books: RateBooks) -> Self {
        let liability = Arc::new(books.liability);
        let income_protection = Arc::new(books.income_protection);
        let published = HashMap::from([
            (
                liability.version.id.clone(),
                PublishedBook::Liability(liability.clone()),
            ),
            (
                income_protection.version.id.clone(),
                PublishedBook::IncomeProtection(income_protection.clone()),
            ),
        ]);
        ModelSchedule::new(vec![liability], vec![income_protection], published)
    }
}

impl ModelSelection for ModelSchedule {
    fn liability_for(&self, request: &QuoteRequest) -> Result<&LiabilityRateBook, InvalidField> {
        match &request.model_version {
            Some(id) => match self.published.get(id) {
                Some(PublishedBook::Liability(book)) => {
                    check_version(&book.version, request).map(|()| book.as_ref())
                }
                _ => Err(not_published(Product::Liability, id)),
            },
            None => in_force(
                &self.liability,
                |b| &b.version,
                Product::Liability,
                request.transaction_type,
                request.rating_date,
            ),
        }
    }

    fn income_protection_for(
        &self,
        request: &QuoteRequest,
    ) -> Result<&IncomeProtectionRateBook, InvalidField> {
        match &request.model_version {
            Some(id) => match self.published.get(id) {
                Some(PublishedBook::IncomeProtection(book)) => {
                    check_version(&book.version, request).map(|()| book.as_ref())
                }
                _ => Err(not_published(Product::IncomeProtection, id)),
            },
            None => in_force(
                &self.income_protection,
                |b| &b.version,
                Product::IncomeProtection,
                request.transaction_type,
                request.rating_date,
            ),
        }
    }
}
