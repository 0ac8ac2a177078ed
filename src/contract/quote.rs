//! A quote on the wire and in the domain: the request parsed once (every field checked, every
//! problem named by its path), the priced quote written back.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::money::format_cents;
use crate::domain::{
    BenefitPeriod, Decision, EmploymentStatus, FamilySituation, IncomeProtectionApplication,
    IncomeProtectionFields, InvalidField, Language, LiabilityApplication, LiabilityFields,
    PaymentFrequency, ProductApplication, QuoteRequest, RiskMeasure, TransactionType, WorkSetting,
};

use super::{excerpt, pb};

/// The longest amount a message may spell; the bounds themselves are the domain's.
const MAX_AMOUNT_TEXT: usize = 32;

/// Collects every problem of a request, not only the first.
#[derive(Default)]
struct Problems(Vec<InvalidField>);

impl Problems {
    fn add(&mut self, field: &str, description: impl Into<String>) {
        self.0.push(InvalidField::new(field, description));
    }

    fn check<T>(&mut self, result: Result<T, InvalidField>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    /// The application a domain constructor made, or its problems placed under `prefix`.
    fn placed<T>(&mut self, prefix: &str, made: Result<T, Vec<InvalidField>>) -> Option<T> {
        made.map_err(|problems| {
            self.0.extend(
                problems
                    .into_iter()
                    .map(|p| InvalidField::new(format!("{prefix}.{}", p.field), p.description)),
            )
        })
        .ok()
    }
}

impl TryFrom<pb::QuoteRequest> for QuoteRequest {
    type Error = Vec<InvalidField>;

    fn try_from(request: pb::QuoteRequest) -> Result<Self, Self::Error> {
        quote_request(request)
    }
}

/// Every problem of the request, not only the first.
fn quote_request(request: pb::QuoteRequest) -> Result<QuoteRequest, Vec<InvalidField>> {
    let pb::QuoteRequest {
        rating_date,
        transaction_type,
        payment_frequency,
        insurer_reference,
        model_version,
        language,
        product,
    } = request;
    let mut problems = Problems::default();
    problems.check(super::insurer_reference(
        "insurer_reference",
        &insurer_reference,
    ));
    let rating_date = problems.check(date("rating_date", &rating_date));
    let language = problems.check(super::wire_language("language", &language));
    if !model_version.is_empty() {
        problems.check(super::version_id("model_version", &model_version));
    }
    let transaction_type = match pb::TransactionType::try_from(transaction_type) {
        Ok(pb::TransactionType::NewBusiness) => Some(TransactionType::NewBusiness),
        Ok(pb::TransactionType::Renewal) => Some(TransactionType::Renewal),
        Ok(pb::TransactionType::Unspecified) => {
            problems.add("transaction_type", "required: NEW_BUSINESS or RENEWAL");
            None
        }
        Err(_) => {
            problems.add(
                "transaction_type",
                format!("unknown value {transaction_type}"),
            );
            None
        }
    };
    let payment_frequency = match pb::PaymentFrequency::try_from(payment_frequency) {
        Ok(pb::PaymentFrequency::Unspecified | pb::PaymentFrequency::Annual) => {
            Some(PaymentFrequency::Annual)
        }
        Ok(pb::PaymentFrequency::Monthly) => Some(PaymentFrequency::Monthly),
        Err(_) => {
            problems.add(
                "payment_frequency",
                format!("unknown value {payment_frequency}"),
            );
            None
        }
    };
    let application = match product {
        Some(pb::quote_request::Product::Liability(l)) => {
            liability(l, &mut problems).map(ProductApplication::Liability)
        }
        Some(pb::quote_request::Product::IncomeProtection(i)) => {
            income_protection(i, &mut problems).map(ProductApplication::IncomeProtection)
        }
        None => {
            problems.add(
                "product",
                "required: exactly one of liability or income_protection",
            );
            None
        }
    };
    match (
        rating_date,
        transaction_type,
        payment_frequency,
        language,
        application,
    ) {
        (
            Some(rating_date),
            Some(transaction_type),
            Some(payment_frequency),
            Some(language),
            Some(application),
        ) if problems.0.is_empty() => Ok(QuoteRequest {
            rating_date,
            transaction_type,
            payment_frequency,
            model_version: (!model_version.is_empty()).then_some(model_version),
            language,
            application,
        }),
        _ => Err(problems.0),
    }
}

fn liability(
    application: pb::LiabilityApplication,
    problems: &mut Problems,
) -> Option<LiabilityApplication> {
    let pb::LiabilityApplication {
        occupation,
        work_setting,
        annual_turnover,
        limit_of_indemnity,
        deductible,
        claims_last_5_years,
        years_of_activity,
        risk_management_measures,
    } = application;
    let work_setting = match pb::WorkSetting::try_from(work_setting) {
        Ok(pb::WorkSetting::OwnPremises) => Some(WorkSetting::OwnPremises),
        Ok(pb::WorkSetting::ClientPremises) => Some(WorkSetting::ClientPremises),
        Ok(pb::WorkSetting::Venue) => Some(WorkSetting::Venue),
        Ok(pb::WorkSetting::OnlineOnly) => Some(WorkSetting::OnlineOnly),
        Ok(pb::WorkSetting::Unspecified) => {
            problems.add("liability.work_setting", "required");
            None
        }
        Err(_) => {
            problems.add(
                "liability.work_setting",
                format!("unknown value {work_setting}"),
            );
            None
        }
    };
    let annual_turnover = problems.check(money("liability.annual_turnover", annual_turnover));
    let limit_of_indemnity =
        problems.check(money("liability.limit_of_indemnity", limit_of_indemnity));
    let deductible = problems.check(money("liability.deductible", deductible));
    let mut risk_measures = BTreeSet::new();
    // Each measure at most once: a longer list is one mistake, reported once, not once for
    // every element it holds.
    let most = RiskMeasure::ALL.len();
    if risk_management_measures.len() > most {
        problems.add(
            "liability.risk_management_measures",
            format!(
                "at most {most} measures, each once: {} were sent",
                risk_management_measures.len()
            ),
        );
    }
    for (i, value) in risk_management_measures.into_iter().take(most).enumerate() {
        // Named only when something is wrong with it.
        let field = || format!("liability.risk_management_measures[{i}]");
        let measure = match pb::RiskManagementMeasure::try_from(value) {
            Ok(pb::RiskManagementMeasure::SafetyTraining) => RiskMeasure::SafetyTraining,
            Ok(pb::RiskManagementMeasure::ScreeningProtocol) => RiskMeasure::ScreeningProtocol,
            Ok(pb::RiskManagementMeasure::HygieneProtocol) => RiskMeasure::HygieneProtocol,
            Ok(pb::RiskManagementMeasure::PanicButtonOrReferencePerson) => {
                RiskMeasure::PanicButtonOrReferencePerson
            }
            Ok(pb::RiskManagementMeasure::PeerNetwork) => RiskMeasure::PeerNetwork,
            Ok(pb::RiskManagementMeasure::Unspecified) => {
                problems.add(
                    &field(),
                    "RISK_MANAGEMENT_MEASURE_UNSPECIFIED is not a measure",
                );
                continue;
            }
            Err(_) => {
                problems.add(&field(), format!("unknown value {value}"));
                continue;
            }
        };
        if !risk_measures.insert(measure) {
            problems.add(&field(), format!("{} is listed twice", measure.code()));
        }
    }
    let fields = LiabilityFields {
        occupation: Some(occupation),
        work_setting,
        annual_turnover,
        limit_of_indemnity,
        deductible,
        claims_last_5_years: Some(claims_last_5_years),
        years_of_activity: Some(years_of_activity),
        risk_measures,
    };
    problems.placed("liability", LiabilityApplication::new(fields))
}

fn income_protection(
    application: pb::IncomeProtectionApplication,
    problems: &mut Problems,
) -> Option<IncomeProtectionApplication> {
    let pb::IncomeProtectionApplication {
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
    } = application;
    let family_situation = match pb::FamilySituation::try_from(family_situation) {
        Ok(pb::FamilySituation::Unspecified) => None,
        Ok(pb::FamilySituation::WithDependants) => Some(FamilySituation::WithDependants),
        Ok(pb::FamilySituation::Single) => Some(FamilySituation::Single),
        Ok(pb::FamilySituation::Cohabiting) => Some(FamilySituation::Cohabiting),
        Err(_) => {
            problems.add(
                "income_protection.family_situation",
                format!(
                    "unknown value {family_situation}: WITH_DEPENDANTS, SINGLE, COHABITING, or \
                     none"
                ),
            );
            None
        }
    };
    let employment_status = match pb::EmploymentStatus::try_from(employment_status) {
        Ok(pb::EmploymentStatus::Employee) => Some(EmploymentStatus::Employee),
        Ok(pb::EmploymentStatus::SelfEmployed) => Some(EmploymentStatus::SelfEmployed),
        Ok(pb::EmploymentStatus::Unspecified) => {
            problems.add(
                "income_protection.employment_status",
                "required: EMPLOYEE or SELF_EMPLOYED",
            );
            None
        }
        Err(_) => {
            problems.add(
                "income_protection.employment_status",
                format!("unknown value {employment_status}"),
            );
            None
        }
    };
    let average_monthly_income = problems.check(money(
        "income_protection.average_monthly_income",
        average_monthly_income,
    ));
    let monthly_benefit =
        problems.check(money("income_protection.monthly_benefit", monthly_benefit));
    let benefit_period = match pb::BenefitPeriod::try_from(benefit_period) {
        Ok(pb::BenefitPeriod::TwoYears) => Some(BenefitPeriod::TwoYears),
        Ok(pb::BenefitPeriod::FiveYears) => Some(BenefitPeriod::FiveYears),
        Ok(pb::BenefitPeriod::ToAge65) => Some(BenefitPeriod::ToAge65),
        Ok(pb::BenefitPeriod::Unspecified) => {
            problems.add(
                "income_protection.benefit_period",
                "required: TWO_YEARS, FIVE_YEARS or TO_AGE_65",
            );
            None
        }
        Err(_) => {
            problems.add(
                "income_protection.benefit_period",
                format!("unknown value {benefit_period}"),
            );
            None
        }
    };
    let fields = IncomeProtectionFields {
        age: Some(age),
        occupation: Some(occupation),
        employment_status,
        average_monthly_income,
        monthly_benefit,
        deferred_period_days: Some(deferred_period_days),
        benefit_period,
        smoker: Some(smoker),
        claims_last_5_years: Some(claims_last_5_years),
        family_situation,
    };
    problems.placed(
        "income_protection",
        IncomeProtectionApplication::new(fields),
    )
}

fn date(field: &str, value: &str) -> Result<NaiveDate, InvalidField> {
    if value.is_empty() {
        return Err(InvalidField::new(
            field,
            "required: an ISO 8601 date such as 2026-12-01",
        ));
    }
    let date = super::wire_date(field, value)?;
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let latest = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or_default();
    if date < earliest || date > latest {
        return Err(InvalidField::new(
            field,
            format!("{date} is outside 2000-01-01 to 2100-12-31"),
        ));
    }
    Ok(date)
}

/// An amount in euros as a message spells it: a plain decimal, in EUR. Its bounds are the
/// domain's, checked when the application is made.
fn money(field: &str, value: Option<pb::Money>) -> Result<Decimal, InvalidField> {
    let Some(pb::Money { amount, currency }) = value else {
        return Err(InvalidField::new(field, "required: an amount in EUR"));
    };
    if !(currency.is_empty() || currency == "EUR") {
        return Err(InvalidField::new(
            field,
            format!(
                "currency {} is not accepted: amounts are in EUR",
                excerpt(&currency)
            ),
        ));
    }
    is_amount(&amount)
        .then(|| Decimal::from_str(&amount).ok())
        .flatten()
        .ok_or_else(|| {
            InvalidField::new(
                field,
                format!(
                    "{} is not an amount such as 1234 or 1234.50: digits, and at most two decimals after a point",
                    excerpt(&amount)
                ),
            )
        })
}

/// The one grammar of an amount on the wire, `[0-9]+(\.[0-9]{1,2})?`, at most
/// [`MAX_AMOUNT_TEXT`] characters: no sign, no spaces, no exponent.
fn is_amount(text: &str) -> bool {
    let (whole, decimals) = match text.split_once('.') {
        Some((whole, decimals)) => (whole, Some(decimals)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    text.len() <= MAX_AMOUNT_TEXT
        && digits(whole)
        && decimals.is_none_or(|d| d.len() <= 2 && digits(d))
}

/// A domain request as a message (for a command that sends a portfolio's rows, and for the
/// shared sample requests); it carries no insurer's reference.
impl From<&QuoteRequest> for pb::QuoteRequest {
    fn from(request: &QuoteRequest) -> Self {
        let QuoteRequest {
            rating_date,
            transaction_type,
            payment_frequency,
            model_version,
            language,
            application,
        } = request;
        let product = match application {
            ProductApplication::Liability(l) => {
                pb::quote_request::Product::Liability(pb::LiabilityApplication {
                    occupation: l.occupation().to_owned(),
                    work_setting: pb::WorkSetting::from(l.work_setting()) as i32,
                    annual_turnover: eur(l.annual_turnover()),
                    limit_of_indemnity: eur(l.limit_of_indemnity()),
                    deductible: eur(l.deductible()),
                    claims_last_5_years: l.claims_last_5_years(),
                    years_of_activity: l.years_of_activity(),
                    risk_management_measures: l
                        .risk_measures()
                        .iter()
                        .map(|m| pb::RiskManagementMeasure::from(*m) as i32)
                        .collect(),
                })
            }
            ProductApplication::IncomeProtection(i) => {
                pb::quote_request::Product::IncomeProtection(pb::IncomeProtectionApplication {
                    age: i.age(),
                    occupation: i.occupation().to_owned(),
                    employment_status: pb::EmploymentStatus::from(i.employment_status()) as i32,
                    average_monthly_income: eur(i.average_monthly_income()),
                    monthly_benefit: eur(i.monthly_benefit()),
                    deferred_period_days: i.deferred_period_days(),
                    benefit_period: pb::BenefitPeriod::from(i.benefit_period()) as i32,
                    smoker: i.smoker(),
                    claims_last_5_years: i.claims_last_5_years(),
                    family_situation: i
                        .family_situation()
                        .map_or(pb::FamilySituation::Unspecified, pb::FamilySituation::from)
                        as i32,
                })
            }
        };
        pb::QuoteRequest {
            rating_date: rating_date.to_string(),
            transaction_type: pb::TransactionType::from(*transaction_type) as i32,
            payment_frequency: match payment_frequency {
                PaymentFrequency::Annual => pb::PaymentFrequency::Annual,
                PaymentFrequency::Monthly => pb::PaymentFrequency::Monthly,
            } as i32,
            insurer_reference: String::new(),
            model_version: model_version.clone().unwrap_or_default(),
            language: match language {
                Language::En => String::new(),
                other => other.code().to_owned(),
            },
            product: Some(product),
        }
    }
}

impl From<WorkSetting> for pb::WorkSetting {
    fn from(setting: WorkSetting) -> Self {
        match setting {
            WorkSetting::OwnPremises => pb::WorkSetting::OwnPremises,
            WorkSetting::ClientPremises => pb::WorkSetting::ClientPremises,
            WorkSetting::Venue => pb::WorkSetting::Venue,
            WorkSetting::OnlineOnly => pb::WorkSetting::OnlineOnly,
        }
    }
}

impl From<RiskMeasure> for pb::RiskManagementMeasure {
    fn from(measure: RiskMeasure) -> Self {
        match measure {
            RiskMeasure::SafetyTraining => pb::RiskManagementMeasure::SafetyTraining,
            RiskMeasure::ScreeningProtocol => pb::RiskManagementMeasure::ScreeningProtocol,
            RiskMeasure::HygieneProtocol => pb::RiskManagementMeasure::HygieneProtocol,
            RiskMeasure::PanicButtonOrReferencePerson => {
                pb::RiskManagementMeasure::PanicButtonOrReferencePerson
            }
            RiskMeasure::PeerNetwork => pb::RiskManagementMeasure::PeerNetwork,
        }
    }
}

impl From<BenefitPeriod> for pb::BenefitPeriod {
    fn from(period: BenefitPeriod) -> Self {
        match period {
            BenefitPeriod::TwoYears => pb::BenefitPeriod::TwoYears,
            BenefitPeriod::FiveYears => pb::BenefitPeriod::FiveYears,
            BenefitPeriod::ToAge65 => pb::BenefitPeriod::ToAge65,
        }
    }
}

impl From<EmploymentStatus> for pb::EmploymentStatus {
    fn from(status: EmploymentStatus) -> Self {
        match status {
            EmploymentStatus::Employee => pb::EmploymentStatus::Employee,
            EmploymentStatus::SelfEmployed => pb::EmploymentStatus::SelfEmployed,
        }
    }
}

impl From<FamilySituation> for pb::FamilySituation {
    fn from(family: FamilySituation) -> Self {
        match family {
            FamilySituation::WithDependants => pb::FamilySituation::WithDependants,
            FamilySituation::Single => pb::FamilySituation::Single,
            FamilySituation::Cohabiting => pb::FamilySituation::Cohabiting,
        }
    }
}

impl From<TransactionType> for pb::TransactionType {
    fn from(transaction: TransactionType) -> Self {
        match transaction {
            TransactionType::NewBusiness => pb::TransactionType::NewBusiness,
            TransactionType::Renewal => pb::TransactionType::Renewal,
        }
    }
}

impl From<Decision> for pb::Decision {
    fn from(decision: Decision) -> Self {
        match decision {
            Decision::Accept => pb::Decision::Accept,
            Decision::Refer => pb::Decision::Refer,
            Decision::Decline => pb::Decision::Decline,
        }
    }
}

/// A decision from a number the log or a service wrote; `None` for unspecified or unknown.
pub fn decision_of_number(value: i32) -> Option<Decision> {
    match pb::Decision::try_from(value).ok()? {
        pb::Decision::Accept => Some(Decision::Accept),
        pb::Decision::Refer => Some(Decision::Refer),
        pb::Decision::Decline => Some(Decision::Decline),
        pb::Decision::Unspecified => None,
    }
}

/// An amount in euros as a message carries it: exactly two decimals.
pub fn eur(amount: Decimal) -> Option<pb::Money> {
    Some(pb::Money {
        amount: format_cents(amount),
        currency: "EUR".to_owned(),
    })
}
