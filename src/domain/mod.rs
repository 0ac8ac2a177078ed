//! What an underwriter talks about: applications, money, decisions, worksheets.
//! Pure types: nothing here reads a file, a socket or a proto.

pub mod application;
pub mod invalid;
pub mod language;
pub mod money;
pub mod quote;
pub mod worksheet;

pub use application::{
    BenefitPeriod, EmploymentStatus, FamilySituation, IncomeProtectionApplication,
    IncomeProtectionFields, LiabilityApplication, LiabilityFields, PaymentFrequency, Product,
    ProductApplication, QuoteRequest, RiskMeasure, SMOKER_CODES, TransactionType, WorkSetting,
    bounds, smoker_from_code,
};
pub use invalid::InvalidField;
pub use language::Language;
pub use money::round_to_cent;
pub use quote::{Decision, Instalments, PremiumBreakdown, PricedQuote, Reason};
pub use worksheet::{ArithmeticError, Operation, Step, Worksheet, WorksheetStep};
