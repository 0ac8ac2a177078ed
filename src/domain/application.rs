//! An application for cover, valid by construction: the transport parses the wire message
//! into these types once, and nothing after that needs to check shapes or ranges again.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    Liability,
    IncomeProtection,
}

impl Product {
    pub const ALL: [Product; 2] = [Product::Liability, Product::IncomeProtection];

    /// The product's code in model folders and manifests.
    pub fn code(self) -> &'static str {
        match self {
            Product::Liability => "liability",
            Product::IncomeProtection => "income_protection",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionType {
    NewBusiness,
    Renewal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentFrequency {
    Annual,
    Monthly,
}

/// Where the insured works: the second key of the liability base rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkSetting {
    OwnPremises,
    ClientPremises,
    Venue,
    OnlineOnly,
}

impl WorkSetting {
    pub const ALL: [WorkSetting; 4] = [
        WorkSetting::OwnPremises,
        WorkSetting::ClientPremises,
        WorkSetting::Venue,
        WorkSetting::OnlineOnly,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WorkSetting::OwnPremises => "own_premises",
            WorkSetting::ClientPremises => "client_premises",
            WorkSetting::Venue => "venue",
            WorkSetting::OnlineOnly => "online_only",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A risk-management measure that earns a liability credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskMeasure {
    SafetyTraining,
    ScreeningProtocol,
    HygieneProtocol,
    PanicButtonOrReferencePerson,
    PeerNetwork,
}

impl RiskMeasure {
    pub const ALL: [RiskMeasure; 5] = [
        RiskMeasure::SafetyTraining,
        RiskMeasure::ScreeningProtocol,
        RiskMeasure::HygieneProtocol,
        RiskMeasure::PanicButtonOrReferencePerson,
        RiskMeasure::PeerNetwork,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RiskMeasure::SafetyTraining => "safety_training",
            RiskMeasure::ScreeningProtocol => "screening_protocol",
            RiskMeasure::HygieneProtocol => "hygiene_protocol",
            RiskMeasure::PanicButtonOrReferencePerson => "panic_button_or_reference_person",
            RiskMeasure::PeerNetwork => "peer_network",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmploymentStatus {
    Employee,
    SelfEmployed,
}

impl EmploymentStatus {
    pub fn code(self) -> &'static str {
        match self {
            EmploymentStatus::Employee => "employee",
            EmploymentStatus::SelfEmployed => "self_employed",
        }
    }
}

/// How long the monthly benefit is paid for one incapacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BenefitPeriod {
    TwoYears,
    FiveYears,
    ToAge65,
}

impl BenefitPeriod {
    pub const ALL: [BenefitPeriod; 3] = [
        BenefitPeriod::TwoYears,
        BenefitPeriod::FiveYears,
        BenefitPeriod::ToAge65,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BenefitPeriod::TwoYears => "2_years",
            BenefitPeriod::FiveYears => "5_years",
            BenefitPeriod::ToAge65 => "to_age_65",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Professional & general liability. Amounts are in euros.
#[derive(Debug, Clone, PartialEq)]
pub struct LiabilityApplication {
    pub occupation: String,
    pub work_setting: WorkSetting,
    pub annual_turnover: Decimal,
    pub limit_of_indemnity: Decimal,
    pub deductible: Decimal,
    pub claims_last_5_years: u32,
    pub years_of_activity: u32,
    pub risk_measures: BTreeSet<RiskMeasure>,
}

/// Income protection. Amounts are in euros a month.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomeProtectionApplication {
    pub age: u32,
    pub occupation: String,
    pub employment_status: EmploymentStatus,
    pub average_monthly_income: Decimal,
    pub monthly_benefit: Decimal,
    pub deferred_period_days: u32,
    pub benefit_period: BenefitPeriod,
    pub smoker: bool,
    pub claims_last_5_years: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProductApplication {
    Liability(LiabilityApplication),
    IncomeProtection(IncomeProtectionApplication),
}

impl ProductApplication {
    pub fn product(&self) -> Product {
        match self {
            ProductApplication::Liability(_) => Product::Liability,
            ProductApplication::IncomeProtection(_) => Product::IncomeProtection,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuoteRequest {
    /// The date cover starts; it selects the tables in force.
    pub rating_date: NaiveDate,
    pub transaction_type: TransactionType,
    pub payment_frequency: PaymentFrequency,
    /// A model version pinned by its id; `None` for the version in force.
    pub model_version: Option<String>,
    pub application: ProductApplication,
}
