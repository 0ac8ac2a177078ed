//! The product catalogue as a message: what the rate books in force offer, read from the very
//! books that price (occupations, settings, limits, deductibles, periods, measures, and the
//! eligibility limits), so that an insurer's forms never disagree with a quote.

use chrono::NaiveDate;

use crate::domain::{EmploymentStatus, InvalidField, Language, TransactionType};
use crate::rating::book::{
    IncomeProtectionRateBook, LiabilityRateBook, ModelVersion, OccupationCatalog, OccupationKind,
};
use crate::rating::wording::Words;
use crate::rating::words_for as words;

use super::pb;
use super::quote::eur as money;

/// What a catalogue request asks: a rating date, a transaction type and a language.
pub fn catalogue_request(
    request: &pb::DescribeProductsRequest,
    today: NaiveDate,
) -> Result<(NaiveDate, TransactionType, Language), Vec<InvalidField>> {
    let pb::DescribeProductsRequest {
        rating_date,
        transaction_type,
        language,
    } = request;
    let language = super::wire_language("language", language).map_err(|e| vec![e])?;
    let date = if rating_date.is_empty() {
        today
    } else {
        super::wire_date("rating_date", rating_date).map_err(|e| vec![e])?
    };
    let transaction = match pb::TransactionType::try_from(*transaction_type) {
        Ok(pb::TransactionType::Unspecified | pb::TransactionType::NewBusiness) => {
            TransactionType::NewBusiness
        }
        Ok(pb::TransactionType::Renewal) => TransactionType::Renewal,
        Err(_) => {
            return Err(vec![InvalidField::new(
                "transaction_type",
                format!("unknown value {transaction_type}"),
            )]);
        }
    };
    Ok((date, transaction, language))
}

fn model(version: &ModelVersion) -> Option<pb::ModelInForce> {
    Some(pb::ModelInForce {
        id: version.id.clone(),
        label: version.label.clone(),
        effective_from: version.effective_from.to_string(),
        renewal_effective_from: version.renewal_effective_from.to_string(),
    })
}

fn occupations(catalog: &OccupationCatalog, words: Words<'_>) -> Vec<pb::CatalogueOccupation> {
    catalog
        .occupations
        .values()
        .map(|o| pb::CatalogueOccupation {
            code: o.code.clone(),
            label: words.occupation(o),
            kind: match o.kind {
                OccupationKind::Intimacy => "intimacy",
                OccupationKind::Comparator => "comparator",
            }
            .to_owned(),
            comparator: o.comparator.clone().unwrap_or_default(),
        })
        .collect()
}

/// A label of the catalogue; the code itself where the wording has none.
fn label(words: Words<'_>, kind: &str, code: &str) -> String {
    words.label(kind, code).unwrap_or_else(|| code.to_owned())
}

fn liability_catalogue(book: &LiabilityRateBook, words: Words<'_>) -> pb::LiabilityCatalogue {
    {
        let mut settings: Vec<_> = book.base_rates.keys().map(|(_, s)| *s).collect();
        settings.sort();
        settings.dedup();
        pb::LiabilityCatalogue {
            model: model(&book.version),
            occupations: occupations(&book.occupations, words),
            work_setting_labels: settings
                .iter()
                .map(|s| label(words, "work-setting", s.code()))
                .collect(),
            risk_management_measure_labels: book
                .risk_management_credits
                .keys()
                .map(|m| label(words, "risk-measure", m.code()))
                .collect(),
            work_settings: settings
                .into_iter()
                .map(|s| pb::WorkSetting::from(s) as i32)
                .collect(),
            limits_of_indemnity: book
                .increased_limit_factors
                .keys()
                .filter_map(|l| money(*l))
                .collect(),
            deductibles: book
                .deductible_factors
                .keys()
                .filter_map(|d| money(*d))
                .collect(),
            risk_management_measures: book
                .risk_management_credits
                .keys()
                .map(|m| pb::RiskManagementMeasure::from(*m) as i32)
                .collect(),
            refer_claims_from: book.eligibility.refer_claims_from,
            decline_claims_above: book
                .experience_factors
                .iter()
                .map(|b| b.max)
                .max()
                .unwrap_or(0),
            refer_turnover_above: money(book.eligibility.refer_turnover_above),
            criteria: Some(criteria(&crate::rating::criteria::liability(
                book,
                words.language(),
            ))),
            product_information: product_information(&book.version, words.language()),
        }
    }
}

/// The statutory benefits in force on `date`, and each deferred period beside them.
fn beside_statutory(
    book: &IncomeProtectionRateBook,
    words: Words<'_>,
    date: NaiveDate,
) -> (
    Vec<pb::StatutoryBenefit>,
    Vec<pb::DeferredPeriodBesideStatutory>,
) {
    let Some(benefits) = &book.statutory else {
        return (Vec::new(), Vec::new());
    };
    let status = |s: EmploymentStatus| pb::EmploymentStatus::from(s) as i32;
    let amounts = benefits
        .amounts
        .keys()
        .filter_map(|(s, f)| Some((*s, *f, benefits.in_force(*s, *f, date)?)))
        .map(|(s, f, a)| pb::StatutoryBenefit {
            employment_status: status(s),
            family_situation: pb::FamilySituation::from(f) as i32,
            family_situation_label: label(words, "family-situation", f.code()),
            valid_from: a.valid_from.to_string(),
            qualifying_days: a.qualifying_days,
            days_per_month: a.days_per_month,
            daily_amount: money(a.daily_amount),
            share_of_pay: a.share_of_pay.normalize().to_string(),
            daily_pay_cap: money(a.daily_pay_cap),
            source: a.source.clone(),
            note: a.note.clone(),
        })
        .collect();
    let deferred = crate::rating::deferred_beside_statutory(book, words, date)
        .into_iter()
        .map(|d| pb::DeferredPeriodBesideStatutory {
            employment_status: status(d.status),
            deferred_period_days: d.days,
            statutory_qualifying_days: d.qualifying_days,
            explanation: d.explanation,
        })
        .collect();
    (amounts, deferred)
}

fn income_protection_catalogue(
    book: &IncomeProtectionRateBook,
    words: Words<'_>,
    date: NaiveDate,
) -> pb::IncomeProtectionCatalogue {
    {
        let mut periods: Vec<_> = book.base_rates.keys().map(|(_, p)| *p).collect();
        periods.sort();
        periods.dedup();
        let rules = &book.eligibility;
        let (statutory_benefits, deferred_periods_beside_statutory) =
            beside_statutory(book, words, date);
        pb::IncomeProtectionCatalogue {
            statutory_benefits,
            deferred_periods_beside_statutory,
            model: model(&book.version),
            occupations: occupations(&book.occupations, words),
            benefit_period_labels: periods
                .iter()
                .map(|p| label(words, "benefit-period", p.code()))
                .collect(),
            deferred_period_days: book.deferred_periods(),
            benefit_periods: periods
                .into_iter()
                .map(|p| pb::BenefitPeriod::from(p) as i32)
                .collect(),
            min_age: rules.min_age,
            max_age: rules.max_age,
            max_benefit_to_income: rules.max_benefit_to_income.normalize().to_string(),
            refer_benefit_above: money(rules.refer_benefit_above),
            refer_claims_from: rules.refer_claims_from,
            employee_min_deferred_days: rules.employee_min_deferred_days,
            criteria: Some(criteria(&crate::rating::criteria::income_protection(
                book,
                words.language(),
            ))),
            product_information: product_information(&book.version, words.language()),
        }
    }
}

/// The version's product information document in a language, with its page.
fn product_information(
    version: &ModelVersion,
    language: Language,
) -> Option<pb::ProductInformation> {
    let document = version.product_information.get(&language)?;
    Some(pb::ProductInformation {
        id: document.id.clone(),
        language: document.language.to_owned(),
        insurer: document.insurer.clone(),
        product: document.product.clone(),
        sections: document
            .sections
            .iter()
            .map(|s| pb::ProductInformationSection {
                code: s.code.to_owned(),
                heading: s.heading.to_owned(),
                points: s.points.clone(),
            })
            .collect(),
        html: crate::rating::product_information::html(document),
    })
}

fn table_criterion(p: &crate::rating::criteria::PriceCriterion) -> pb::PriceCriterion {
    pb::PriceCriterion {
        table: p.table.clone(),
        criteria: p.criteria.iter().map(|c| (*c).to_owned()).collect(),
        criterion_names: p.criterion_names.clone(),
        explanation: p.explanation.clone(),
        justifications: p.justifications.clone(),
        protected_criteria: p.protected.clone(),
    }
}

/// A product's published criteria as a message, with their page.
pub fn criteria(c: &crate::rating::criteria::SegmentationCriteria) -> pb::SegmentationCriteria {
    pb::SegmentationCriteria {
        model_version: c.model_version.clone(),
        language: c.language.to_owned(),
        title: c.title.clone(),
        introduction: c.introduction.clone(),
        price: c.price.iter().map(table_criterion).collect(),
        acceptance_tables: c.acceptance_tables.iter().map(table_criterion).collect(),
        acceptance: c
            .acceptance
            .iter()
            .map(|r| pb::AcceptanceRule {
                reason_code: r.reason_code.to_owned(),
                criterion: r.criterion.to_owned(),
                criterion_name: r.criterion_name.clone(),
                text: r.text.clone(),
            })
            .collect(),
        refusal: c.refusal.clone(),
        html: crate::rating::criteria::html(c),
    }
}

/// The catalogue of the books in force on a date for a transaction type, in a language.
pub fn catalogue(
    date: NaiveDate,
    transaction: TransactionType,
    language: Language,
    liability: &LiabilityRateBook,
    income_protection: &IncomeProtectionRateBook,
) -> Result<pb::ProductCatalogue, InvalidField> {
    let liability_words = words(&liability.wording, &liability.version, language)?;
    let income_protection_words = words(
        &income_protection.wording,
        &income_protection.version,
        language,
    )?;
    Ok(pb::ProductCatalogue {
        rating_date: date.to_string(),
        transaction_type: pb::TransactionType::from(transaction) as i32,
        language: language.code().to_owned(),
        liability: Some(liability_catalogue(liability, liability_words)),
        income_protection: Some(income_protection_catalogue(
            income_protection,
            income_protection_words,
            date,
        )),
    })
}
