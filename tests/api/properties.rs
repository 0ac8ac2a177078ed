//! Properties of the pricing that must hold for every application, not just the examples.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use fairquote::domain::{
    BenefitPeriod, Decision, EmploymentStatus, FamilySituation, IncomeProtectionApplication,
    IncomeProtectionFields, Language, LiabilityApplication, LiabilityFields, PaymentFrequency,
    PricedQuote, ProductApplication, QuoteRequest, RiskMeasure, TransactionType, WorkSetting,
};
use fairquote::rating::{self, RateBooks};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::helpers::default_books;

fn books() -> &'static RateBooks {
    static BOOKS: OnceLock<RateBooks> = OnceLock::new();
    BOOKS.get_or_init(default_books)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
}

/// New business on `day()`, priced by the versions in force.
fn new_business(application: ProductApplication, frequency: PaymentFrequency) -> QuoteRequest {
    QuoteRequest {
        rating_date: day(),
        transaction_type: TransactionType::NewBusiness,
        payment_frequency: frequency,
        model_version: None,
        language: Language::En,
        application,
    }
}

fn price(application: ProductApplication, frequency: PaymentFrequency) -> PricedQuote {
    rating::quote(books(), &new_business(application, frequency), day()).expect("priced")
}

fn total(quote: &PricedQuote) -> Option<Decimal> {
    quote.premium.as_ref().map(|p| p.total)
}

fn occupations() -> Vec<String> {
    books()
        .liability
        .occupations
        .occupations
        .keys()
        .cloned()
        .collect()
}

fn cents(max: i64) -> impl Strategy<Value = Decimal> {
    (1..=max).prop_map(|c| Decimal::new(c, 2))
}

fn liability() -> impl Strategy<Value = LiabilityApplication> {
    let limits: Vec<Decimal> = books()
        .liability
        .increased_limit_factors
        .keys()
        .copied()
        .collect();
    let deductibles: Vec<Decimal> = books()
        .liability
        .deductible_factors
        .keys()
        .copied()
        .collect();
    (
        prop::sample::select(occupations()),
        prop::sample::select(WorkSetting::ALL.to_vec()),
        cents(50_000_000),
        prop::sample::select(limits),
        prop::sample::select(deductibles),
        0u32..6,
        0u32..40,
        prop::sample::subsequence(RiskMeasure::ALL.to_vec(), 0..=5),
    )
        .prop_map(
            |(occupation, work_setting, turnover, limit, deductible, claims, years, measures)| {
                LiabilityApplication::new(LiabilityFields {
                    occupation: Some(occupation),
                    work_setting: Some(work_setting),
                    annual_turnover: Some(turnover),
                    limit_of_indemnity: Some(limit),
                    deductible: Some(deductible),
                    claims_last_5_years: Some(claims),
                    years_of_activity: Some(years),
                    risk_measures: measures.into_iter().collect::<BTreeSet<_>>(),
                })
                .expect("within the bounds")
            },
        )
}

fn income_protection() -> impl Strategy<Value = IncomeProtectionApplication> {
    let deferred = books().income_protection.deferred_periods();
    (
        16u32..66,
        prop::sample::select(occupations()),
        prop::sample::select(vec![
            EmploymentStatus::Employee,
            EmploymentStatus::SelfEmployed,
        ]),
        cents(2_000_000),
        (100i64..1_000_000).prop_map(|c| Decimal::new(c, 2)),
        prop::sample::select(deferred),
        prop::sample::select(BenefitPeriod::ALL.to_vec()),
        any::<bool>(),
        0u32..3,
        prop::option::of(prop::sample::select(FamilySituation::ALL.to_vec())),
    )
        .prop_map(
            |(
                age,
                occupation,
                status,
                income,
                benefit,
                deferred,
                period,
                smoker,
                claims,
                family,
            )| {
                IncomeProtectionApplication::new(IncomeProtectionFields {
                    age: Some(age),
                    occupation: Some(occupation),
                    employment_status: Some(status),
                    average_monthly_income: Some(income),
                    monthly_benefit: Some(benefit),
                    deferred_period_days: Some(deferred),
                    benefit_period: Some(period),
                    smoker: Some(smoker),
                    claims_last_5_years: Some(claims),
                    family_situation: family,
                })
                .expect("within the bounds")
            },
        )
}

fn application() -> impl Strategy<Value = ProductApplication> {
    prop_oneof![
        liability().prop_map(ProductApplication::Liability),
        income_protection().prop_map(ProductApplication::IncomeProtection),
    ]
}

fn frequency() -> impl Strategy<Value = PaymentFrequency> {
    prop::sample::select(vec![PaymentFrequency::Annual, PaymentFrequency::Monthly])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn premiums_are_never_negative_and_add_up(application in application(), frequency in frequency()) {
        let quote = price(application, frequency);
        match (&quote.decision, &quote.premium) {
            (Decision::Decline, premium) => prop_assert!(premium.is_none()),
            (_, None) => prop_assert!(false, "an accept or refer without a premium"),
            (_, Some(p)) => {
                for part in p.office_premium_parts() {
                    prop_assert!(part >= Decimal::ZERO, "a negative part in {p:?}");
                }
                prop_assert!(p.total > Decimal::ZERO);
                prop_assert_eq!(p.office_premium_parts().iter().sum::<Decimal>(), p.office_premium);
                prop_assert_eq!(p.office_premium + p.policy_fee + p.insurance_premium_tax, p.total);
                for amount in [p.risk_premium, p.office_premium, p.insurance_premium_tax, p.total] {
                    prop_assert_eq!(amount, amount.round_dp(2), "not in cents: {}", amount);
                }
                prop_assert!(quote.worksheet.replays_exactly());
                prop_assert_eq!(quote.worksheet.running_amount(), p.total);
                if let Some(i) = &p.instalments {
                    prop_assert!(i.regular_amount > Decimal::ZERO && i.final_amount > Decimal::ZERO);
                    prop_assert_eq!(i.regular_amount * Decimal::from(i.count - 1) + i.final_amount, p.total);
                }
            }
        }
    }

    #[test]
    fn the_premium_does_not_fall_when_the_limit_rises(application in liability()) {
        let limits: Vec<Decimal> = books().liability.increased_limit_factors.keys().copied().collect();
        let totals: Vec<Option<Decimal>> = limits.iter().map(|limit| {
            let a = LiabilityApplication::new(LiabilityFields {
                limit_of_indemnity: Some(*limit),
                ..application.fields()
            })
            .expect("within the bounds");
            total(&price(ProductApplication::Liability(a), PaymentFrequency::Annual))
        }).collect();
        for pair in totals.windows(2) {
            if let [Some(lower), Some(higher)] = pair {
                prop_assert!(higher >= lower, "{totals:?}");
            }
        }
    }

    #[test]
    fn the_premium_does_not_fall_when_claims_rise(application in liability()) {
        let totals: Vec<Option<Decimal>> = (0..6).map(|claims| {
            let a = LiabilityApplication::new(LiabilityFields {
                claims_last_5_years: Some(claims),
                ..application.fields()
            })
            .expect("within the bounds");
            total(&price(ProductApplication::Liability(a), PaymentFrequency::Annual))
        }).collect();
        for pair in totals.windows(2) {
            if let [Some(lower), Some(higher)] = pair {
                prop_assert!(higher >= lower, "{totals:?}");
            }
        }
    }

    #[test]
    fn the_premium_does_not_fall_when_the_benefit_or_the_age_rises(
        application in income_protection(),
        extra in 1i64..100_000,
        older in 1u32..10,
    ) {
        let base = total(&price(ProductApplication::IncomeProtection(application.clone()), PaymentFrequency::Annual));
        let more = IncomeProtectionApplication::new(IncomeProtectionFields {
            monthly_benefit: Some(application.monthly_benefit() + Decimal::new(extra, 2)),
            ..application.fields()
        })
        .expect("within the bounds");
        let with_more = total(&price(ProductApplication::IncomeProtection(more), PaymentFrequency::Annual));
        if let (Some(base), Some(with_more)) = (base, with_more) {
            prop_assert!(with_more >= base);
        }
        let aged = IncomeProtectionApplication::new(IncomeProtectionFields {
            age: Some(application.age() + older),
            ..application.fields()
        })
        .expect("within the bounds");
        let when_older = total(&price(ProductApplication::IncomeProtection(aged), PaymentFrequency::Annual));
        if let (Some(base), Some(when_older)) = (base, when_older) {
            prop_assert!(when_older >= base);
        }
    }

    /// Family situation is a civil-status criterion that may enter only the cap: whatever the
    /// application, the premium per unit of benefit is the same in every family situation
    /// (and with none given), and every step of the worksheet but the statutory benefit's.
    #[test]
    fn family_situation_never_changes_the_premium_per_unit_of_benefit(
        application in income_protection(),
        frequency in frequency(),
    ) {
        // An income with room under the cap in every situation, so that each is priced.
        let roomy = Some(application.monthly_benefit() * Decimal::from(10) + Decimal::from(10_000));
        let priced: Vec<PricedQuote> = std::iter::once(None)
            .chain(FamilySituation::ALL.into_iter().map(Some))
            .map(|family| {
                let a = IncomeProtectionApplication::new(IncomeProtectionFields {
                    family_situation: family,
                    average_monthly_income: roomy,
                    ..application.fields()
                })
                .expect("within the bounds");
                price(ProductApplication::IncomeProtection(a), frequency)
            })
            .collect();
        let per_unit = |q: &PricedQuote| {
            q.premium.as_ref().map(|p| p.total / application.monthly_benefit())
        };
        let premium_steps = |q: &PricedQuote| -> Vec<_> {
            q.worksheet
                .steps
                .iter()
                .filter(|s| s.code != "statutory_benefit")
                .map(|s| (s.code, s.value, s.running_amount))
                .collect()
        };
        for q in &priced[1..] {
            prop_assert_eq!(q.decision, priced[0].decision);
            prop_assert_eq!(per_unit(q), per_unit(&priced[0]));
            prop_assert_eq!(premium_steps(q), premium_steps(&priced[0]));
        }
        // The family situation did reach the cap: the statutory step names it.
        if priced[0].decision != Decision::Decline {
            let memo = |q: &PricedQuote| {
                q.worksheet.steps.iter().find(|s| s.code == "statutory_benefit").map(|s| s.row_key.clone())
            };
            prop_assert!(memo(&priced[1]).expect("a statutory step").contains("family_situation=with_dependants"));
            prop_assert!(memo(&priced[3]).expect("a statutory step").contains("family_situation=cohabiting"));
        }
    }

    #[test]
    fn every_intimacy_profession_prices_as_its_comparator(application in application(), frequency in frequency()) {
        let catalog = match &application {
            ProductApplication::Liability(_) => &books().liability.occupations,
            ProductApplication::IncomeProtection(_) => &books().income_protection.occupations,
        };
        for (profession, comparator) in catalog.parity_pairs() {
            let with = |code: &str| {
                let a = match &application {
                    ProductApplication::Liability(l) => {
                        ProductApplication::Liability(l.with_occupation(code).expect("a catalog code"))
                    }
                    ProductApplication::IncomeProtection(i) => ProductApplication::IncomeProtection(
                        i.with_occupation(code).expect("a catalog code"),
                    ),
                };
                price(a, frequency)
            };
            let (ours, theirs) = (with(&profession.code), with(&comparator.code));
            prop_assert_eq!(ours.decision, theirs.decision);
            prop_assert_eq!(&ours.premium, &theirs.premium, "{} vs {}", profession.code, comparator.code);
        }
    }
}

#[test]
fn every_intimacy_profession_has_a_comparator_in_both_products() {
    for catalog in [
        &books().liability.occupations,
        &books().income_protection.occupations,
    ] {
        let intimacy = catalog
            .occupations
            .values()
            .filter(|o| o.kind == fairquote::rating::book::OccupationKind::Intimacy)
            .count();
        assert_eq!(catalog.parity_pairs().count(), intimacy);
        assert_eq!(intimacy, 6);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Analyses price with figures only: the same decision, reasons and premium, to the cent,
    /// and the same steps with the same amounts, only without their wording.
    #[test]
    fn figures_only_pricing_is_the_quote_without_its_wording(
        application in application(),
        frequency in frequency(),
    ) {
        let request = new_business(application, frequency);
        let full = rating::quote(books(), &request, day());
        let figures = rating::quote_figures(books(), &request, day());
        match (full, figures) {
            (Ok(full), Ok(figures)) => {
                prop_assert_eq!(&full.decision, &figures.decision);
                prop_assert_eq!(&full.reasons, &figures.reasons);
                prop_assert_eq!(&full.premium, &figures.premium);
                prop_assert_eq!(full.worksheet.steps.len(), figures.worksheet.steps.len());
                for (a, b) in full.worksheet.steps.iter().zip(&figures.worksheet.steps) {
                    prop_assert_eq!((a.code, a.value, a.running_amount), (b.code, b.value, b.running_amount));
                    prop_assert!(b.description.is_empty() && b.row_key.is_empty());
                }
                prop_assert!(figures.worksheet.replays_exactly());
            }
            (full, figures) => prop_assert_eq!(full.err(), figures.err()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The language words a quote, it never prices one: in nl, fr and de the decision, the
    /// reasons' codes and figures, the premium and every worksheet amount are those of the
    /// English quote, while every sentence is the language's own.
    #[test]
    fn every_language_gives_the_same_decision_premium_and_worksheet_amounts(
        application in application(),
        frequency in frequency(),
    ) {
        let english = new_business(application, frequency);
        let quoted = |language| {
            rating::quote(books(), &QuoteRequest { language, ..english.clone() }, day())
        };
        let en = quoted(Language::En);
        for language in [Language::Nl, Language::Fr, Language::De] {
            match (&en, quoted(language)) {
                (Ok(en), Ok(other)) => {
                    prop_assert_eq!(&en.decision, &other.decision);
                    prop_assert_eq!(&en.premium, &other.premium);
                    prop_assert_eq!(&en.model_version, &other.model_version);
                    prop_assert_eq!(en.reasons.len(), other.reasons.len());
                    for (a, b) in en.reasons.iter().zip(&other.reasons) {
                        prop_assert_eq!((a.code, &a.parameters), (b.code, &b.parameters));
                        prop_assert_ne!(&a.message, &b.message);
                    }
                    prop_assert_eq!(en.worksheet.steps.len(), other.worksheet.steps.len());
                    for (a, b) in en.worksheet.steps.iter().zip(&other.worksheet.steps) {
                        prop_assert_eq!(
                            (a.code, a.table, &a.row_key, a.operation, a.value, a.running_amount),
                            (b.code, b.table, &b.row_key, b.operation, b.value, b.running_amount)
                        );
                        prop_assert_ne!(&a.description, &b.description);
                        prop_assert!(!b.description.contains('⟦'), "{}", b.description);
                    }
                    prop_assert!(other.worksheet.replays_exactly());
                }
                (en, other) => prop_assert_eq!(en.as_ref().err(), other.as_ref().err()),
            }
        }
    }
}
