//! An application for cover, valid by construction: its only constructors check every field
//! against [`bounds`], whichever parser read it (the wire message, a portfolio row, an
//! expected-premium case), so nothing after that needs to check shapes or ranges again. Each
//! parser reads the syntax of its own format and places the constructors' problems at its own
//! field paths. The fields are public to read.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::InvalidField;

/// What a plausible application asks: beyond these a value is a mistake, and inputs bounded
/// here keep the decimal arithmetic of pricing far from overflow.
pub mod bounds {
    use rust_decimal::Decimal;

    /// Euros, for any amount of an application.
    pub const MAX_AMOUNT: i64 = 100_000_000;
    pub const MAX_CLAIMS: u32 = 100;
    pub const MAX_YEARS_OF_ACTIVITY: u32 = 80;
    pub const MAX_AGE: u32 = 120;
    pub const MAX_DEFERRED_DAYS: u32 = 730;
    pub const MAX_OCCUPATION_CODE: usize = 64;

    /// An amount in euros: whole cents, from `min` to [`MAX_AMOUNT`]; normalised.
    pub fn amount(value: Decimal, min: Decimal) -> Result<Decimal, String> {
        let value = value.normalize();
        if value.scale() > 2 {
            return Err(format!(
                "{value} has more than two decimals: amounts are in whole cents"
            ));
        }
        if value < min {
            return Err(if min.is_zero() {
                format!("{value} is negative")
            } else {
                format!("{value} must be at least {min}")
            });
        }
        if value > Decimal::from(MAX_AMOUNT) {
            return Err(format!("{value} is more than {MAX_AMOUNT} EUR"));
        }
        Ok(value)
    }

    /// An amount that must be more than zero (a turnover, an income): zero is invalid input,
    /// not something to rate.
    pub fn positive_amount(value: Decimal) -> Result<Decimal, String> {
        let value = amount(value, Decimal::ZERO)?;
        if value.is_zero() {
            return Err("must be more than 0".into());
        }
        Ok(value)
    }

    pub fn at_most(value: u32, max: u32) -> Result<u32, String> {
        if value > max {
            return Err(format!("{value} is more than {max}"));
        }
        Ok(value)
    }

    /// A catalog code: lower-case letters, digits and `_`.
    pub fn occupation(code: &str) -> Result<(), String> {
        if code.is_empty() {
            return Err("required: an occupation code from the catalog".into());
        }
        let well_formed = code.len() <= MAX_OCCUPATION_CODE
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !well_formed {
            return Err(format!(
                "an occupation code is at most {MAX_OCCUPATION_CODE} characters of a-z, 0-9 and _"
            ));
        }
        Ok(())
    }

    /// Whole years at the start of cover.
    pub fn age(value: u32) -> Result<u32, String> {
        match value {
            0 => Err("required: age in whole years at the start of cover".into()),
            a if a > MAX_AGE => Err(format!("{a} is not a plausible age in years")),
            a => Ok(a),
        }
    }

    pub fn deferred_days(value: u32) -> Result<u32, String> {
        match value {
            0 => Err("required: the waiting period in days".into()),
            d if d > MAX_DEFERRED_DAYS => Err(format!("{d} days is more than {MAX_DEFERRED_DAYS}")),
            d => Ok(d),
        }
    }
}

/// Checks the fields a parser could read, collecting every problem under the field's name.
#[derive(Default)]
struct Checks(Vec<InvalidField>);

impl Checks {
    fn check<T, U>(
        &mut self,
        field: &str,
        value: Option<T>,
        rule: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match rule(value?) {
            Ok(v) => Some(v),
            Err(problem) => {
                self.0.push(InvalidField::new(field, problem));
                None
            }
        }
    }

    fn occupation(&mut self, value: Option<String>) -> Option<String> {
        self.check("occupation", value, |code| {
            bounds::occupation(&code).map(|()| code)
        })
    }

    /// The application, or every problem found (none where a parser already said why a field
    /// is missing).
    fn finish<T>(self, application: Option<T>) -> Result<T, Vec<InvalidField>> {
        match application {
            Some(application) if self.0.is_empty() => Ok(application),
            _ => Err(self.0),
        }
    }
}

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

impl TransactionType {
    pub const ALL: [TransactionType; 2] = [TransactionType::NewBusiness, TransactionType::Renewal];

    /// The code in portfolios and expected-premium cases.
    pub fn code(self) -> &'static str {
        match self {
            TransactionType::NewBusiness => "new_business",
            TransactionType::Renewal => "renewal",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentFrequency {
    Annual,
    Monthly,
}

impl PaymentFrequency {
    pub const ALL: [PaymentFrequency; 2] = [PaymentFrequency::Annual, PaymentFrequency::Monthly];

    /// The code in portfolios and expected-premium cases.
    pub fn code(self) -> &'static str {
        match self {
            PaymentFrequency::Annual => "annual",
            PaymentFrequency::Monthly => "monthly",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EmploymentStatus {
    Employee,
    SelfEmployed,
}

impl EmploymentStatus {
    pub const ALL: [EmploymentStatus; 2] =
        [EmploymentStatus::Employee, EmploymentStatus::SelfEmployed];

    pub fn code(self) -> &'static str {
        match self {
            EmploymentStatus::Employee => "employee",
            EmploymentStatus::SelfEmployed => "self_employed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The family situation of the statutory incapacity benefit (INASTI / RIZIV): a civil-status
/// criterion of the act of 10 May 2007, so it may set the statutory benefit that the cap of
/// income protection counts, and never the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FamilySituation {
    WithDependants,
    Single,
    Cohabiting,
}

impl FamilySituation {
    pub const ALL: [FamilySituation; 3] = [
        FamilySituation::WithDependants,
        FamilySituation::Single,
        FamilySituation::Cohabiting,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FamilySituation::WithDependants => "with_dependants",
            FamilySituation::Single => "single",
            FamilySituation::Cohabiting => "cohabiting",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// How a table, a portfolio row or an experience cell writes whether the insured smokes.
pub const SMOKER_CODES: [&str; 2] = ["yes", "no"];

/// `yes` or `no`, as `SMOKER_CODES`.
pub fn smoker_from_code(code: &str) -> Option<bool> {
    match code {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
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
    occupation: String,
    work_setting: WorkSetting,
    annual_turnover: Decimal,
    limit_of_indemnity: Decimal,
    deductible: Decimal,
    claims_last_5_years: u32,
    years_of_activity: u32,
    risk_measures: BTreeSet<RiskMeasure>,
}

/// A liability application as a parser read it; `None` where a field could not be read (the
/// parser has said why).
#[derive(Debug, Clone, Default)]
pub struct LiabilityFields {
    pub occupation: Option<String>,
    pub work_setting: Option<WorkSetting>,
    pub annual_turnover: Option<Decimal>,
    pub limit_of_indemnity: Option<Decimal>,
    pub deductible: Option<Decimal>,
    pub claims_last_5_years: Option<u32>,
    pub years_of_activity: Option<u32>,
    pub risk_measures: BTreeSet<RiskMeasure>,
}

impl LiabilityApplication {
    /// Checks every field that was read against the bounds; each problem names its field as
    /// the application does (`annual_turnover`), for the parser to place.
    pub fn new(fields: LiabilityFields) -> Result<Self, Vec<InvalidField>> {
        let LiabilityFields {
            occupation,
            work_setting,
            annual_turnover,
            limit_of_indemnity,
            deductible,
            claims_last_5_years,
            years_of_activity,
            risk_measures,
        } = fields;
        let mut checks = Checks::default();
        let occupation = checks.occupation(occupation);
        let amount = |min: Decimal| move |v| bounds::amount(v, min);
        let annual_turnover =
            checks.check("annual_turnover", annual_turnover, bounds::positive_amount);
        let limit_of_indemnity = checks.check(
            "limit_of_indemnity",
            limit_of_indemnity,
            amount(Decimal::ONE),
        );
        let deductible = checks.check("deductible", deductible, amount(Decimal::ZERO));
        let claims_last_5_years = checks.check("claims_last_5_years", claims_last_5_years, |c| {
            bounds::at_most(c, bounds::MAX_CLAIMS)
        });
        let years_of_activity = checks.check("years_of_activity", years_of_activity, |y| {
            bounds::at_most(y, bounds::MAX_YEARS_OF_ACTIVITY)
        });
        let application = (|| {
            Some(LiabilityApplication {
                occupation: occupation?,
                work_setting: work_setting?,
                annual_turnover: annual_turnover?,
                limit_of_indemnity: limit_of_indemnity?,
                deductible: deductible?,
                claims_last_5_years: claims_last_5_years?,
                years_of_activity: years_of_activity?,
                risk_measures,
            })
        })();
        checks.finish(application)
    }

    pub fn occupation(&self) -> &str {
        &self.occupation
    }
    pub fn work_setting(&self) -> WorkSetting {
        self.work_setting
    }
    pub fn annual_turnover(&self) -> Decimal {
        self.annual_turnover
    }
    pub fn limit_of_indemnity(&self) -> Decimal {
        self.limit_of_indemnity
    }
    pub fn deductible(&self) -> Decimal {
        self.deductible
    }
    pub fn claims_last_5_years(&self) -> u32 {
        self.claims_last_5_years
    }
    pub fn years_of_activity(&self) -> u32 {
        self.years_of_activity
    }
    pub fn risk_measures(&self) -> &BTreeSet<RiskMeasure> {
        &self.risk_measures
    }

    /// The same application for another occupation, checked as any other.
    pub fn with_occupation(&self, occupation: &str) -> Result<Self, Vec<InvalidField>> {
        bounds::occupation(occupation).map_err(|p| vec![InvalidField::new("occupation", p)])?;
        Ok(LiabilityApplication {
            occupation: occupation.to_owned(),
            ..self.clone()
        })
    }

    /// Its fields, to change one and make the application again through [`Self::new`].
    pub fn fields(&self) -> LiabilityFields {
        LiabilityFields {
            occupation: Some(self.occupation.clone()),
            work_setting: Some(self.work_setting),
            annual_turnover: Some(self.annual_turnover),
            limit_of_indemnity: Some(self.limit_of_indemnity),
            deductible: Some(self.deductible),
            claims_last_5_years: Some(self.claims_last_5_years),
            years_of_activity: Some(self.years_of_activity),
            risk_measures: self.risk_measures.clone(),
        }
    }
}

/// Income protection. Amounts are in euros a month.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomeProtectionApplication {
    age: u32,
    occupation: String,
    employment_status: EmploymentStatus,
    average_monthly_income: Decimal,
    monthly_benefit: Decimal,
    deferred_period_days: u32,
    benefit_period: BenefitPeriod,
    smoker: bool,
    claims_last_5_years: u32,
    /// `None` when the applicant did not say: the cap then assumes the situation with the
    /// highest statutory benefit.
    family_situation: Option<FamilySituation>,
}

/// An income-protection application as a parser read it; `None` where a field could not be
/// read (the parser has said why).
#[derive(Debug, Clone, Default)]
pub struct IncomeProtectionFields {
    pub age: Option<u32>,
    pub occupation: Option<String>,
    pub employment_status: Option<EmploymentStatus>,
    pub average_monthly_income: Option<Decimal>,
    pub monthly_benefit: Option<Decimal>,
    pub deferred_period_days: Option<u32>,
    pub benefit_period: Option<BenefitPeriod>,
    pub smoker: Option<bool>,
    pub claims_last_5_years: Option<u32>,
    /// Optional in the application itself: `None` is a valid answer, not a field unread.
    pub family_situation: Option<FamilySituation>,
}

impl IncomeProtectionApplication {
    /// Checks every field that was read against the bounds; each problem names its field as
    /// the application does (`monthly_benefit`), for the parser to place.
    pub fn new(fields: IncomeProtectionFields) -> Result<Self, Vec<InvalidField>> {
        let IncomeProtectionFields {
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
        } = fields;
        let mut checks = Checks::default();
        let age = checks.check("age", age, bounds::age);
        let occupation = checks.occupation(occupation);
        let average_monthly_income = checks.check(
            "average_monthly_income",
            average_monthly_income,
            bounds::positive_amount,
        );
        let monthly_benefit = checks.check("monthly_benefit", monthly_benefit, |v| {
            bounds::amount(v, Decimal::ONE)
        });
        let deferred_period_days = checks.check(
            "deferred_period_days",
            deferred_period_days,
            bounds::deferred_days,
        );
        let claims_last_5_years = checks.check("claims_last_5_years", claims_last_5_years, |c| {
            bounds::at_most(c, bounds::MAX_CLAIMS)
        });
        let application = (|| {
            Some(IncomeProtectionApplication {
                age: age?,
                occupation: occupation?,
                employment_status: employment_status?,
                average_monthly_income: average_monthly_income?,
                monthly_benefit: monthly_benefit?,
                deferred_period_days: deferred_period_days?,
                benefit_period: benefit_period?,
                smoker: smoker?,
                claims_last_5_years: claims_last_5_years?,
                family_situation,
            })
        })();
        checks.finish(application)
    }

    pub fn age(&self) -> u32 {
        self.age
    }
    pub fn occupation(&self) -> &str {
        &self.occupation
    }
    pub fn employment_status(&self) -> EmploymentStatus {
        self.employment_status
    }
    pub fn average_monthly_income(&self) -> Decimal {
        self.average_monthly_income
    }
    pub fn monthly_benefit(&self) -> Decimal {
        self.monthly_benefit
    }
    pub fn deferred_period_days(&self) -> u32 {
        self.deferred_period_days
    }
    pub fn benefit_period(&self) -> BenefitPeriod {
        self.benefit_period
    }
    pub fn smoker(&self) -> bool {
        self.smoker
    }
    pub fn claims_last_5_years(&self) -> u32 {
        self.claims_last_5_years
    }
    pub fn family_situation(&self) -> Option<FamilySituation> {
        self.family_situation
    }

    /// The same application for another occupation, checked as any other.
    pub fn with_occupation(&self, occupation: &str) -> Result<Self, Vec<InvalidField>> {
        bounds::occupation(occupation).map_err(|p| vec![InvalidField::new("occupation", p)])?;
        Ok(IncomeProtectionApplication {
            occupation: occupation.to_owned(),
            ..self.clone()
        })
    }

    /// Its fields, to change one and make the application again through [`Self::new`].
    pub fn fields(&self) -> IncomeProtectionFields {
        IncomeProtectionFields {
            age: Some(self.age),
            occupation: Some(self.occupation.clone()),
            employment_status: Some(self.employment_status),
            average_monthly_income: Some(self.average_monthly_income),
            monthly_benefit: Some(self.monthly_benefit),
            deferred_period_days: Some(self.deferred_period_days),
            benefit_period: Some(self.benefit_period),
            smoker: Some(self.smoker),
            claims_last_5_years: Some(self.claims_last_5_years),
            family_situation: self.family_situation,
        }
    }
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
    /// The language the quote is worded in; it changes no figure.
    pub language: super::Language,
    pub application: ProductApplication,
}
