//! In-process cost of a quote with its worksheet, and of loading and compiling the models.
//! Run: `cargo bench --bench quote`. Compare the figures of one run with each other, not with
//! another machine's.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::PathBuf;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use fairquote::domain::{
    BenefitPeriod, EmploymentStatus, IncomeProtectionApplication, IncomeProtectionFields,
    LiabilityApplication, LiabilityFields, PaymentFrequency, ProductApplication, QuoteRequest,
    RiskMeasure, TransactionType, WorkSetting,
};
use fairquote::rating;
use rust_decimal::Decimal;

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn request(application: ProductApplication) -> QuoteRequest {
    QuoteRequest {
        rating_date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
        transaction_type: TransactionType::NewBusiness,
        payment_frequency: PaymentFrequency::Monthly,
        model_version: None,
        application,
    }
}

fn benches(c: &mut Criterion) {
    let books = fairquote::tables::load_rate_books(&models_dir()).expect("models");
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let liability = request(ProductApplication::Liability(
        LiabilityApplication::new(LiabilityFields {
            occupation: Some("escort_companion".into()),
            work_setting: Some(WorkSetting::ClientPremises),
            annual_turnover: Some(Decimal::from(60_000)),
            limit_of_indemnity: Some(Decimal::from(1_000_000)),
            deductible: Some(Decimal::from(250)),
            claims_last_5_years: Some(1),
            years_of_activity: Some(6),
            risk_measures: BTreeSet::from([RiskMeasure::SafetyTraining, RiskMeasure::PeerNetwork]),
        })
        .expect("within the bounds"),
    ));
    let income_protection = request(ProductApplication::IncomeProtection(
        IncomeProtectionApplication::new(IncomeProtectionFields {
            age: Some(35),
            occupation: Some("escort_companion".into()),
            employment_status: Some(EmploymentStatus::SelfEmployed),
            average_monthly_income: Some(Decimal::from(3_000)),
            monthly_benefit: Some(Decimal::from(1_500)),
            deferred_period_days: Some(30),
            benefit_period: Some(BenefitPeriod::FiveYears),
            smoker: Some(false),
            claims_last_5_years: Some(0),
        })
        .expect("within the bounds"),
    ));

    c.bench_function("quote/liability_with_worksheet", |b| {
        b.iter(|| rating::quote(black_box(&books), black_box(&liability), day))
    });
    c.bench_function("quote/income_protection_with_worksheet", |b| {
        b.iter(|| rating::quote(black_box(&books), black_box(&income_protection), day))
    });
    c.bench_function("models/load_and_compile_default", |b| {
        b.iter(|| fairquote::tables::load_rate_books(black_box(&models_dir())))
    });
}

criterion_group!(quote, benches);
criterion_main!(quote);
