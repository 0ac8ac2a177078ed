//! What a quote answers: a decision with its reasons, a premium broken down, a worksheet.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Product, Worksheet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    Accept,
    /// A human underwriter must look at it; the premium is indicative.
    Refer,
    /// Not offered; the reasons say why.
    Decline,
}

impl Decision {
    /// The decision as a lower-case word, as reports and tables write it.
    pub fn code(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Refer => "refer",
            Decision::Decline => "decline",
        }
    }
}

/// Why a quote was referred or declined (Belgian law of 4 April 2014: a refusal is explained).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable and machine-readable, e.g. `BENEFIT_ABOVE_INCOME_CAP`.
    pub code: &'static str,
    /// One sentence for a person, in the language the quote was asked in.
    pub message: String,
    /// The figures the sentence states, by name, in one spelling for every language (amounts
    /// with a point, counts in digits): what a program reads instead of the sentence.
    pub parameters: Vec<(&'static str, String)>,
    /// The criterion of the published segmentation criteria it applies (`age`).
    pub criterion: &'static str,
}

/// The customer's annual premium, part by part, each part in cents.
#[derive(Debug, Clone, PartialEq)]
pub struct PremiumBreakdown {
    pub risk_premium: Decimal,
    pub fixed_expense: Decimal,
    pub commission_loading: Decimal,
    pub other_expense_loading: Decimal,
    /// Takes the rounding remainder, so that the parts add up to the office premium exactly.
    pub profit_loading: Decimal,
    pub office_premium: Decimal,
    pub policy_fee: Decimal,
    pub insurance_premium_tax: Decimal,
    pub insurance_premium_tax_rate: Decimal,
    pub total: Decimal,
    pub instalments: Option<Instalments>,
}

impl PremiumBreakdown {
    /// The parts of the office premium, in the order they are shown.
    pub fn office_premium_parts(&self) -> [Decimal; 5] {
        [
            self.risk_premium,
            self.fixed_expense,
            self.commission_loading,
            self.other_expense_loading,
            self.profit_loading,
        ]
    }
}

/// The annual total split into equal instalments; the final one takes the rounding remainder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instalments {
    pub count: u32,
    pub regular_amount: Decimal,
    pub final_amount: Decimal,
}

/// The engine's answer, before the service gives it an id.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedQuote {
    pub product: Product,
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    /// `None` for a decline.
    pub premium: Option<PremiumBreakdown>,
    pub worksheet: Worksheet,
    pub model_version: String,
    pub rating_date: NaiveDate,
    pub valid_until: NaiveDate,
    /// The product information document (IPID) of the version in the quote's language, when
    /// it carries one: what the quote was given with.
    pub product_information:
        Option<std::sync::Arc<crate::rating::product_information::ProductInformation>>,
}
