//! The product catalogue: what the versions in force offer, from the books that price. Every
//! value it lists prices; a value it does not list is refused.

use fairquote::contract::pb;
use tonic::Code;

use crate::helpers::*;

async fn catalogue(app: &mut TestApp) -> pb::ProductCatalogue {
    app.client
        .describe_products(pb::DescribeProductsRequest {
            rating_date: RATING_DATE.into(),
            ..Default::default()
        })
        .await
        .expect("a catalogue")
        .into_inner()
}

/// Refused as input, not priced: INVALID_ARGUMENT.
async fn refused(app: &mut TestApp, request: pb::QuoteRequest) -> bool {
    matches!(app.quote(request).await, Err(s) if s.code() == Code::InvalidArgument)
}

#[tokio::test]
async fn every_value_the_catalogue_lists_prices_and_others_are_refused() {
    let mut app = spawn_app().await;
    let catalogue = catalogue(&mut app).await;
    let liability = catalogue.liability.expect("liability");
    let income = catalogue.income_protection.expect("income protection");

    // The versions it names are those that price.
    let quoted = app.quote(liability_request()).await.expect("a quote");
    assert_eq!(
        liability.model.as_ref().expect("a model").id,
        quoted.model_version
    );
    let quoted = app
        .quote(income_protection_request())
        .await
        .expect("a quote");
    assert_eq!(
        income.model.as_ref().expect("a model").id,
        quoted.model_version
    );

    assert!(
        liability
            .occupations
            .iter()
            .any(|o| o.kind == "intimacy" && !o.comparator.is_empty())
    );
    for occupation in &liability.occupations {
        let mut request = liability_request();
        liability_mut(&mut request).occupation = occupation.code.clone();
        assert!(!refused(&mut app, request).await, "{}", occupation.code);
    }
    for setting in &liability.work_settings {
        let mut request = liability_request();
        liability_mut(&mut request).work_setting = *setting;
        assert!(!refused(&mut app, request).await, "work setting {setting}");
    }
    for limit in &liability.limits_of_indemnity {
        let mut request = liability_request();
        liability_mut(&mut request).limit_of_indemnity = Some(limit.clone());
        assert!(!refused(&mut app, request).await, "limit {}", limit.amount);
    }
    for deductible in &liability.deductibles {
        let mut request = liability_request();
        liability_mut(&mut request).deductible = Some(deductible.clone());
        assert!(
            !refused(&mut app, request).await,
            "deductible {}",
            deductible.amount
        );
    }
    for occupation in &income.occupations {
        let mut request = income_protection_request();
        income_protection_mut(&mut request).occupation = occupation.code.clone();
        assert!(!refused(&mut app, request).await, "{}", occupation.code);
    }
    for days in &income.deferred_period_days {
        let mut request = income_protection_request();
        income_protection_mut(&mut request).deferred_period_days = *days;
        assert!(!refused(&mut app, request).await, "{days} days");
    }
    for period in &income.benefit_periods {
        let mut request = income_protection_request();
        income_protection_mut(&mut request).benefit_period = *period;
        assert!(!refused(&mut app, request).await, "benefit period {period}");
    }

    // Values it does not list.
    let mut request = liability_request();
    liability_mut(&mut request).occupation = "not_in_the_catalogue".into();
    assert!(refused(&mut app, request).await);
    let unlisted_limit = "1234567";
    assert!(
        !liability
            .limits_of_indemnity
            .iter()
            .any(|l| l.amount.starts_with(unlisted_limit))
    );
    let mut request = liability_request();
    liability_mut(&mut request).limit_of_indemnity = eur(unlisted_limit);
    assert!(refused(&mut app, request).await);
    let mut request = liability_request();
    liability_mut(&mut request).deductible = eur("77");
    assert!(refused(&mut app, request).await);
    let unlisted_days = (1..365)
        .find(|d| !income.deferred_period_days.contains(d))
        .expect("a period not offered");
    let mut request = income_protection_request();
    income_protection_mut(&mut request).deferred_period_days = unlisted_days;
    assert!(refused(&mut app, request).await, "{unlisted_days} days");

    // The eligibility limits are the book's.
    assert!(income.min_age > 0 && income.min_age < income.max_age);
    assert_eq!(income.max_benefit_to_income, "0.8");
}

#[tokio::test]
async fn a_catalogue_before_any_version_is_in_force_names_the_date() {
    let mut app = spawn_app().await;
    let status = app
        .client
        .describe_products(pb::DescribeProductsRequest {
            rating_date: "2001-01-01".into(),
            ..Default::default()
        })
        .await
        .expect_err("nothing in force");
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = app
        .client
        .describe_products(pb::DescribeProductsRequest {
            rating_date: "2026-12-1".into(),
            ..Default::default()
        })
        .await
        .expect_err("not a date");
    assert_eq!(status.code(), Code::InvalidArgument);
}
