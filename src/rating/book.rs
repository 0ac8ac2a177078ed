//! Rate books: the compiled, in-memory form of a model version's tables.
//!
//! Built once when a model is loaded (see `crate::tables`), so that a quote is a handful of
//! map look-ups and never scans a frame. Pure data: no files, no polars.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    BenefitPeriod, EmploymentStatus, FamilySituation, Product, RiskMeasure, WorkSetting,
    round_to_cent,
};

use super::wording::Wording;

/// Table names as they appear in worksheets; each is the file `<name>.csv` of the model.
pub mod table {
    pub const OCCUPATIONS: &str = "occupations";
    pub const PARAMETERS: &str = "parameters";
    pub const BASE_RATES: &str = "base_rates";
    pub const INCREASED_LIMIT_FACTORS: &str = "increased_limit_factors";
    pub const DEDUCTIBLE_FACTORS: &str = "deductible_factors";
    pub const EXPERIENCE_FACTORS: &str = "experience_factors";
    pub const RISK_MANAGEMENT_CREDITS: &str = "risk_management_credits";
    pub const OCCUPATION_CLASS_FACTORS: &str = "occupation_class_factors";
    pub const SMOKER_FACTORS: &str = "smoker_factors";
    pub const STATUTORY_BENEFITS: &str = "statutory_benefits";
}

/// Which model version priced a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    /// The SHA-256 of the version's files: the same tables give the same id anywhere.
    pub id: String,
    pub product: Product,
    pub label: String,
    pub effective_from: NaiveDate,
    pub renewal_effective_from: NaiveDate,
    /// The justification records of the manifest, by id.
    pub justifications: BTreeMap<String, Justification>,
    /// Its product information documents (IPID), by language; none for a version that carries
    /// none.
    pub product_information:
        BTreeMap<crate::domain::Language, Arc<super::product_information::ProductInformation>>,
}

/// Why a factor departs from the default, with its evidence and who approved it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Justification {
    pub id: String,
    pub factor: String,
    pub aim: String,
    pub evidence: String,
    pub credibility: String,
    pub approver: String,
    pub review_date: NaiveDate,
    /// The criteria of the anti-discrimination acts the factor touches and may rate only with
    /// this justification (`age`, `health`, `disability`, `civil_status`, `wealth`).
    pub protected_criteria: Vec<String>,
}

impl Justification {
    /// Whether the record is about `table` (its `factor` names the table's file, or a part of
    /// it as `table.csv: ...` or `table: ...`).
    pub fn covers(&self, table: &str) -> bool {
        factor_covers(&self.factor, table)
    }
}

/// Whether a justification record's `factor` is about `table`: it names the table's file, or a
/// part of it as `table.csv: ...` or `table: ...`.
pub fn factor_covers(factor: &str, table: &str) -> bool {
    let factor = factor.trim();
    factor == table
        || factor.starts_with(&format!("{table}.csv"))
        || factor.starts_with(&format!("{table}:"))
}

/// Every table each product rates with, in the order reports list them: the factor inventory
/// of the fairness report and the published criteria (`criteria`) both go by it.
pub const RATED_TABLES: &[(Product, &str)] = &[
    (Product::Liability, table::BASE_RATES),
    (Product::Liability, table::INCREASED_LIMIT_FACTORS),
    (Product::Liability, table::DEDUCTIBLE_FACTORS),
    (Product::Liability, table::EXPERIENCE_FACTORS),
    (Product::Liability, table::RISK_MANAGEMENT_CREDITS),
    (Product::Liability, table::OCCUPATIONS),
    (Product::Liability, table::PARAMETERS),
    (Product::IncomeProtection, table::BASE_RATES),
    (Product::IncomeProtection, table::OCCUPATION_CLASS_FACTORS),
    (Product::IncomeProtection, table::SMOKER_FACTORS),
    (Product::IncomeProtection, table::OCCUPATIONS),
    (Product::IncomeProtection, table::PARAMETERS),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccupationKind {
    /// One of the intimacy professions this service exists for.
    Intimacy,
    /// A profession an intimacy profession is compared with.
    Comparator,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occupation {
    pub code: String,
    pub label: String,
    pub kind: OccupationKind,
    /// For an intimacy profession: the comparable profession whose class it has by default.
    pub comparator: Option<String>,
    pub class: String,
    /// Why the class differs from the comparator's, when it does.
    pub justification: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OccupationCatalog {
    pub occupations: BTreeMap<String, Occupation>,
}

impl OccupationCatalog {
    pub fn get(&self, code: &str) -> Option<&Occupation> {
        self.occupations.get(code)
    }

    /// Every (intimacy profession, comparator) pair.
    pub fn parity_pairs(&self) -> impl Iterator<Item = (&Occupation, &Occupation)> {
        self.occupations.values().filter_map(|o| {
            let comparator = self.occupations.get(o.comparator.as_deref()?)?;
            Some((o, comparator))
        })
    }
}

/// From risk premium to what the customer pays (CAS ratemaking), plus tax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charges {
    pub minimum_premium: Decimal,
    pub fixed_expense: Decimal,
    pub commission_rate: Decimal,
    pub other_expense_rate: Decimal,
    pub profit_rate: Decimal,
    pub policy_fee: Decimal,
    pub premium_tax_rate: Decimal,
    pub quote_validity_days: u32,
    pub monthly_instalments: u32,
}

/// A band of whole numbers, both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub min: u32,
    pub max: u32,
    pub factor: Decimal,
}

impl Band {
    pub fn contains(&self, value: u32) -> bool {
        (self.min..=self.max).contains(&value)
    }

    pub fn label(&self) -> String {
        format!("{}-{}", self.min, self.max)
    }
}

pub fn find_band(bands: &[Band], value: u32) -> Option<&Band> {
    bands.iter().find(|b| b.contains(value))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiabilityEligibility {
    /// This many claims in 5 years or more: refer.
    pub refer_claims_from: u32,
    /// Turnover above this: refer.
    pub refer_turnover_above: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiabilityRateBook {
    pub version: ModelVersion,
    /// The sentences of its quotes and catalogue, in each language the version speaks.
    pub wording: Arc<Wording>,
    pub occupations: OccupationCatalog,
    /// Per 1,000 EUR of turnover, by (activity class, work setting).
    pub base_rates: HashMap<(String, WorkSetting), Decimal>,
    /// By limit of indemnity in EUR.
    pub increased_limit_factors: BTreeMap<Decimal, Decimal>,
    /// By deductible in EUR.
    pub deductible_factors: BTreeMap<Decimal, Decimal>,
    /// By claims in the last 5 years; a count beyond the last band is declined.
    pub experience_factors: Vec<Band>,
    pub risk_management_credits: BTreeMap<RiskMeasure, Decimal>,
    pub risk_management_credit_cap: Decimal,
    pub charges: Charges,
    pub eligibility: LiabilityEligibility,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomeProtectionEligibility {
    pub min_age: u32,
    pub max_age: u32,
    /// The Belgian market cap: benefit at most this share of income.
    pub max_benefit_to_income: Decimal,
    /// A monthly benefit above this: refer.
    pub refer_benefit_above: Decimal,
    pub refer_claims_from: u32,
    /// Employers pay a guaranteed salary for the first month; a shorter deferred period for an
    /// employee would insure the same days twice.
    pub employee_min_deferred_days: u32,
}

/// The statutory incapacity benefit of one status and family situation, from a date until a
/// later row of the same pair replaces it:
/// `a month = days_per_month × (daily_amount + share_of_pay × min(income ÷ days_per_month,
/// daily_pay_cap))`, rounded half-even to the cent. A self-employed worker's benefit is a flat
/// daily amount (share 0); an employee's a share of capped pay (daily amount 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatutoryAmount {
    pub valid_from: NaiveDate,
    /// Days of incapacity before the statutory scheme pays for this status: 7 for the
    /// self-employed (an incapacity of more than 7 days is paid from its first day), 30 for an
    /// employee (the employer's guaranteed salary pays the first month).
    pub qualifying_days: u32,
    /// Paid days a month: 26, every day but Sunday.
    pub days_per_month: u32,
    pub daily_amount: Decimal,
    pub share_of_pay: Decimal,
    pub daily_pay_cap: Decimal,
    pub source: String,
    /// Whether the figures are confirmed, in the table's words.
    pub note: String,
    /// The table row (1-based, after the header) it was read from, for the worksheet.
    pub row: usize,
}

impl StatutoryAmount {
    /// The benefit a month for an average monthly income; `None` on overflow.
    pub fn monthly(&self, income: Decimal) -> Option<Decimal> {
        let days = Decimal::from(self.days_per_month);
        let capped_pay = income.min(days.checked_mul(self.daily_pay_cap)?);
        let flat = days.checked_mul(self.daily_amount)?;
        let share = capped_pay.checked_mul(self.share_of_pay)?;
        let mut monthly = round_to_cent(flat.checked_add(share)?);
        // Money: written with its two decimals, as every amount a quote gives.
        monthly.rescale(2);
        Some(monthly)
    }
}

/// The statutory incapacity benefits a private benefit tops up, versioned with the tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatutoryBenefits {
    /// By status and family situation, each list ordered by `valid_from`.
    pub amounts: BTreeMap<(EmploymentStatus, FamilySituation), Vec<StatutoryAmount>>,
}

impl StatutoryBenefits {
    /// The amount in force on `date`.
    pub fn in_force(
        &self,
        status: EmploymentStatus,
        family: FamilySituation,
        date: NaiveDate,
    ) -> Option<&StatutoryAmount> {
        self.amounts
            .get(&(status, family))?
            .iter()
            .rev()
            .find(|a| a.valid_from <= date)
    }

    /// The family situation with the highest statutory benefit for this status, income and
    /// date: the least favourable to assume when the applicant does not say (it leaves the
    /// least room under the cap). Ties go to the first in `FamilySituation::ALL`.
    pub fn least_favourable(
        &self,
        status: EmploymentStatus,
        income: Decimal,
        date: NaiveDate,
    ) -> Option<FamilySituation> {
        let mut best: Option<(FamilySituation, Decimal)> = None;
        for family in FamilySituation::ALL {
            let Some(monthly) = self
                .in_force(status, family, date)
                .and_then(|a| a.monthly(income))
            else {
                continue;
            };
            if best.is_none_or(|(_, b)| monthly > b) {
                best = Some((family, monthly));
            }
        }
        best.map(|(family, _)| family)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncomeProtectionRateBook {
    pub version: ModelVersion,
    /// The sentences of its quotes and catalogue, in each language the version speaks.
    pub wording: Arc<Wording>,
    pub occupations: OccupationCatalog,
    /// Per 100 EUR of monthly benefit, by (deferred days, benefit period), then by age band.
    pub base_rates: HashMap<(u32, BenefitPeriod), Vec<Band>>,
    pub occupation_class_factors: BTreeMap<String, Decimal>,
    pub smoker_factor: Decimal,
    pub non_smoker_factor: Decimal,
    pub charges: Charges,
    pub eligibility: IncomeProtectionEligibility,
    /// The statutory benefits the cap counts; `None` for a version without the table, whose
    /// cap is the share of income alone (as versions published before it had).
    pub statutory: Option<StatutoryBenefits>,
}

impl IncomeProtectionRateBook {
    pub fn deferred_periods(&self) -> Vec<u32> {
        let mut days: Vec<u32> = self.base_rates.keys().map(|(d, _)| *d).collect();
        days.sort_unstable();
        days.dedup();
        days
    }
}

/// The rate books in force, one per product.
#[derive(Debug, Clone, PartialEq)]
pub struct RateBooks {
    pub liability: LiabilityRateBook,
    pub income_protection: IncomeProtectionRateBook,
}

impl RateBooks {
    pub fn version(&self, product: Product) -> &ModelVersion {
        match product {
            Product::Liability => &self.liability.version,
            Product::IncomeProtection => &self.income_protection.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn amount(valid_from: &str, daily: Decimal, share: Decimal, cap: Decimal) -> StatutoryAmount {
        StatutoryAmount {
            valid_from: valid_from.parse().expect("a date"),
            qualifying_days: 7,
            days_per_month: 26,
            daily_amount: daily,
            share_of_pay: share,
            daily_pay_cap: cap,
            source: String::new(),
            note: String::new(),
            row: 2,
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn the_amount_in_force_is_the_latest_from_before_the_date() {
        let status = EmploymentStatus::SelfEmployed;
        let mut benefits = StatutoryBenefits::default();
        benefits.amounts.insert(
            (status, FamilySituation::Single),
            vec![
                amount("2026-01-01", dec!(61.90), dec!(0), dec!(0)),
                amount("2027-01-01", dec!(63.10), dec!(0), dec!(0)),
            ],
        );
        let in_force = |date| {
            benefits
                .in_force(status, FamilySituation::Single, day(date))
                .map(|a| a.daily_amount)
        };
        assert_eq!(in_force("2025-12-31"), None);
        assert_eq!(in_force("2026-01-01"), Some(dec!(61.90)));
        assert_eq!(in_force("2026-12-31"), Some(dec!(61.90)));
        assert_eq!(in_force("2027-01-01"), Some(dec!(63.10)));
        assert_eq!(
            benefits.in_force(status, FamilySituation::Cohabiting, day("2026-06-01")),
            None
        );
    }

    #[test]
    fn a_month_is_the_flat_amount_or_the_share_of_capped_pay_to_the_cent() {
        let flat = amount("2026-01-01", dec!(61.90), dec!(0), dec!(0));
        // 26 × 61.90, whatever the income; two decimals, as money.
        assert_eq!(flat.monthly(dec!(100000)).unwrap().to_string(), "1609.40");
        let share = amount("2026-01-01", dec!(0), dec!(0.60), dec!(170.00));
        assert_eq!(share.monthly(dec!(3000)).unwrap().to_string(), "1800.00");
        // Pay above 26 × 170 = 4420 counts as 4420.
        assert_eq!(share.monthly(dec!(6000)).unwrap().to_string(), "2652.00");
        // Half-even to the cent: 0.60 × 1000.005 = 600.003.
        assert_eq!(share.monthly(dec!(1000.005)).unwrap().to_string(), "600.00");
    }

    #[test]
    fn without_a_family_situation_the_highest_benefit_is_assumed_and_a_tie_takes_the_first() {
        let mut benefits = StatutoryBenefits::default();
        let date = day("2026-06-01");
        for (family, daily) in [
            (FamilySituation::WithDependants, dec!(47.39)),
            (FamilySituation::Single, dec!(77.29)),
            (FamilySituation::Cohabiting, dec!(61.90)),
        ] {
            benefits.amounts.insert(
                (EmploymentStatus::SelfEmployed, family),
                vec![amount("2026-01-01", daily, dec!(0), dec!(0))],
            );
            benefits.amounts.insert(
                (EmploymentStatus::Employee, family),
                vec![amount("2026-01-01", dec!(0), dec!(0.60), dec!(170))],
            );
        }
        assert_eq!(
            benefits.least_favourable(EmploymentStatus::SelfEmployed, dec!(5000), date),
            Some(FamilySituation::Single)
        );
        assert_eq!(
            benefits.least_favourable(EmploymentStatus::Employee, dec!(5000), date),
            Some(FamilySituation::WithDependants)
        );
        assert_eq!(
            benefits.least_favourable(EmploymentStatus::Employee, dec!(5000), day("2025-01-01")),
            None
        );
    }
}
