//! Malformed requests, each answered with INVALID_ARGUMENT naming the field that is wrong.

use fairquote::contract::pb;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;

type Mutation = fn(&mut pb::QuoteRequest);

fn cases() -> Vec<(&'static str, Mutation, &'static str)> {
    vec![
        ("no product", |r| r.product = None, "product"),
        ("no rating date", |r| r.rating_date.clear(), "rating_date"),
        (
            "a date that is not a date",
            |r| r.rating_date = "2026-13-01".into(),
            "rating_date",
        ),
        (
            "a date in another format",
            |r| r.rating_date = "01/12/2026".into(),
            "rating_date",
        ),
        (
            "an absurd year",
            |r| r.rating_date = "9999-01-01".into(),
            "rating_date",
        ),
        (
            "a date before any model",
            |r| r.rating_date = "2020-01-01".into(),
            "rating_date",
        ),
        (
            "no transaction type",
            |r| r.transaction_type = 0,
            "transaction_type",
        ),
        (
            "an unknown transaction type",
            |r| r.transaction_type = 99,
            "transaction_type",
        ),
        (
            "an unknown payment frequency",
            |r| r.payment_frequency = -1,
            "payment_frequency",
        ),
        (
            "no occupation",
            |r| liability_mut(r).occupation.clear(),
            "liability.occupation",
        ),
        (
            "an unknown occupation",
            |r| liability_mut(r).occupation = "astronaut".into(),
            "liability.occupation",
        ),
        (
            "a malformed occupation",
            |r| liability_mut(r).occupation = "Escort; DROP".into(),
            "liability.occupation",
        ),
        (
            "no work setting",
            |r| liability_mut(r).work_setting = 0,
            "liability.work_setting",
        ),
        (
            "an unknown work setting",
            |r| liability_mut(r).work_setting = 42,
            "liability.work_setting",
        ),
        (
            "no turnover",
            |r| liability_mut(r).annual_turnover = None,
            "liability.annual_turnover",
        ),
        (
            "a negative turnover",
            |r| liability_mut(r).annual_turnover = eur("-5"),
            "liability.annual_turnover",
        ),
        (
            "a turnover in fractions of a cent",
            |r| liability_mut(r).annual_turnover = eur("100.001"),
            "liability.annual_turnover",
        ),
        (
            "a turnover in scientific notation",
            |r| liability_mut(r).annual_turnover = eur("1e5"),
            "liability.annual_turnover",
        ),
        (
            "an absurd turnover",
            |r| liability_mut(r).annual_turnover = eur("99999999999999"),
            "liability.annual_turnover",
        ),
        (
            "a turnover that is not a number",
            |r| liability_mut(r).annual_turnover = eur("lots"),
            "liability.annual_turnover",
        ),
        (
            "a turnover in dollars",
            |r| {
                liability_mut(r).annual_turnover = Some(pb::Money {
                    amount: "100".into(),
                    currency: "USD".into(),
                })
            },
            "liability.annual_turnover",
        ),
        (
            "a limit the model does not offer",
            |r| liability_mut(r).limit_of_indemnity = eur("750000"),
            "liability.limit_of_indemnity",
        ),
        (
            "a zero limit",
            |r| liability_mut(r).limit_of_indemnity = eur("0"),
            "liability.limit_of_indemnity",
        ),
        (
            "a deductible the model does not offer",
            |r| liability_mut(r).deductible = eur("300"),
            "liability.deductible",
        ),
        (
            "no deductible",
            |r| liability_mut(r).deductible = None,
            "liability.deductible",
        ),
        (
            "an absurd claims count",
            |r| liability_mut(r).claims_last_5_years = 5000,
            "liability.claims_last_5_years",
        ),
        (
            "absurd years of activity",
            |r| liability_mut(r).years_of_activity = 300,
            "liability.years_of_activity",
        ),
        (
            "a measure listed twice",
            |r| liability_mut(r).risk_management_measures = vec![1, 1],
            "liability.risk_management_measures[1]",
        ),
        (
            "an unknown measure",
            |r| liability_mut(r).risk_management_measures = vec![42],
            "liability.risk_management_measures[0]",
        ),
        (
            "an unspecified measure",
            |r| liability_mut(r).risk_management_measures = vec![0],
            "liability.risk_management_measures[0]",
        ),
    ]
}

fn income_protection_cases() -> Vec<(&'static str, Mutation, &'static str)> {
    vec![
        (
            "an age of 200",
            |r| income_protection_mut(r).age = 200,
            "income_protection.age",
        ),
        (
            "no age",
            |r| income_protection_mut(r).age = 0,
            "income_protection.age",
        ),
        (
            "no occupation",
            |r| income_protection_mut(r).occupation.clear(),
            "income_protection.occupation",
        ),
        (
            "no employment status",
            |r| income_protection_mut(r).employment_status = 0,
            "income_protection.employment_status",
        ),
        (
            "an unknown employment status",
            |r| income_protection_mut(r).employment_status = 9,
            "income_protection.employment_status",
        ),
        (
            "no income",
            |r| income_protection_mut(r).average_monthly_income = None,
            "income_protection.average_monthly_income",
        ),
        (
            "a negative income",
            |r| income_protection_mut(r).average_monthly_income = eur("-1000"),
            "income_protection.average_monthly_income",
        ),
        (
            "no benefit",
            |r| income_protection_mut(r).monthly_benefit = None,
            "income_protection.monthly_benefit",
        ),
        (
            "a zero benefit",
            |r| income_protection_mut(r).monthly_benefit = eur("0"),
            "income_protection.monthly_benefit",
        ),
        (
            "no deferred period",
            |r| income_protection_mut(r).deferred_period_days = 0,
            "income_protection.deferred_period_days",
        ),
        (
            "a deferred period not offered",
            |r| income_protection_mut(r).deferred_period_days = 45,
            "income_protection.deferred_period_days",
        ),
        (
            "an absurd deferred period",
            |r| income_protection_mut(r).deferred_period_days = 100_000,
            "income_protection.deferred_period_days",
        ),
        (
            "no benefit period",
            |r| income_protection_mut(r).benefit_period = 0,
            "income_protection.benefit_period",
        ),
        (
            "an unknown benefit period",
            |r| income_protection_mut(r).benefit_period = 17,
            "income_protection.benefit_period",
        ),
        (
            "an absurd claims count",
            |r| income_protection_mut(r).claims_last_5_years = 1_000_000,
            "income_protection.claims_last_5_years",
        ),
    ]
}

#[tokio::test]
async fn every_malformed_request_names_its_field() {
    let mut app = spawn_app().await;
    let all = cases()
        .into_iter()
        .map(|(name, mutate, field)| (name, mutate, field, liability_request()))
        .chain(
            income_protection_cases()
                .into_iter()
                .map(|(name, mutate, field)| (name, mutate, field, income_protection_request())),
        );
    for (name, mutate, field, mut request) in all {
        mutate(&mut request);
        let status = app
            .client
            .quote(request)
            .await
            .expect_err(&format!("{name}: must be rejected"));
        assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
        let bad_request = status
            .get_details_bad_request()
            .unwrap_or_else(|| panic!("{name}: no BadRequest details in {status:?}"));
        let fields: Vec<&str> = bad_request
            .field_violations
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert!(
            fields.contains(&field),
            "{name}: expected {field}, got {fields:?}"
        );
        assert!(
            bad_request
                .field_violations
                .iter()
                .all(|v| !v.description.is_empty()),
            "{name}: a violation without a description"
        );
    }
}

#[tokio::test]
async fn every_bad_field_is_named_not_only_the_first() {
    let mut app = spawn_app().await;
    let status = app
        .client
        .quote(pb::QuoteRequest::default())
        .await
        .expect_err("an empty request is rejected");
    assert_eq!(status.code(), Code::InvalidArgument);
    let mut fields: Vec<String> = status
        .get_details_bad_request()
        .expect("details")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    fields.sort();
    assert_eq!(fields, ["product", "rating_date", "transaction_type"]);

    let mut request = liability_request();
    let application = liability_mut(&mut request);
    application.annual_turnover = eur("-1");
    application.work_setting = 0;
    application.occupation.clear();
    let status = app.client.quote(request).await.expect_err("rejected");
    assert_eq!(
        status
            .get_details_bad_request()
            .expect("details")
            .field_violations
            .len(),
        3
    );
}

/// A change to a request, built at run time.
type Edit = Box<dyn Fn(&mut pb::QuoteRequest)>;

#[tokio::test]
async fn amounts_and_dates_have_one_grammar_and_zero_one_meaning() {
    let mut app = spawn_app().await;
    let turnover = |text: &'static str| -> Edit {
        Box::new(move |r| liability_mut(r).annual_turnover = eur(text))
    };
    let deductible =
        |text: &'static str| -> Edit { Box::new(move |r| liability_mut(r).deductible = eur(text)) };
    let date = |text: &'static str| -> Edit { Box::new(move |r| r.rating_date = text.into()) };
    let accepted: Vec<(&str, Edit)> = vec![
        ("turnover 60000", turnover("60000")),
        ("turnover 60000.5", turnover("60000.5")),
        ("turnover 60000.50", turnover("60000.50")),
        ("deductible 0 (none)", deductible("0")),
        ("date 2026-12-01", date("2026-12-01")),
    ];
    for (name, mutate) in accepted {
        let mut request = liability_request();
        mutate(&mut request);
        app.quote(request)
            .await
            .unwrap_or_else(|s| panic!("{name}: refused: {s:?}"));
    }
    let refused: Vec<(&str, Edit, &str)> = vec![
        ("turnover -0", turnover("-0"), "liability.annual_turnover"),
        ("turnover 0", turnover("0"), "liability.annual_turnover"),
        ("turnover .5", turnover(".5"), "liability.annual_turnover"),
        (
            "turnover 60000.",
            turnover("60000."),
            "liability.annual_turnover",
        ),
        ("turnover +5", turnover("+5"), "liability.annual_turnover"),
        (
            "turnover with spaces",
            turnover(" 100 "),
            "liability.annual_turnover",
        ),
        (
            "turnover 1,000",
            turnover("1,000"),
            "liability.annual_turnover",
        ),
        ("deductible -0", deductible("-0"), "liability.deductible"),
        ("date 2026-12-1", date("2026-12-1"), "rating_date"),
        (
            "date with a space before",
            date(" 2026-12-01"),
            "rating_date",
        ),
        (
            "date with a space after",
            date("2026-12-01 "),
            "rating_date",
        ),
    ];
    for (name, mutate, field) in refused {
        let mut request = liability_request();
        mutate(&mut request);
        let status = app
            .quote(request)
            .await
            .expect_err(&format!("{name}: must be refused"));
        assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
        assert_eq!(violated_fields(&status), [field], "{name}");
    }
    let mut no_income = income_protection_request();
    income_protection_mut(&mut no_income).average_monthly_income = eur("0");
    let status = app
        .quote(no_income)
        .await
        .expect_err("a zero income is invalid input, not a decline");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["income_protection.average_monthly_income"]
    );
}

/// What an error answer weighs on the wire: its message and its details.
fn answer_bytes(status: &tonic::Status) -> usize {
    status.message().len() + status.details().len()
}

/// The ceiling of an error answer, whatever the request.
const CEILING: usize = 8 * 1024;

#[tokio::test]
async fn an_error_answer_stays_small_whatever_the_request_holds() {
    let mut app = spawn_app().await;
    let huge = "9".repeat(1 << 20);
    let mut long_amount = liability_request();
    liability_mut(&mut long_amount).annual_turnover = eur(&huge);
    let mut long_currency = liability_request();
    liability_mut(&mut long_currency).annual_turnover = Some(pb::Money {
        amount: "60000".into(),
        currency: huge.clone(),
    });
    let mut long_date = liability_request();
    long_date.rating_date = huge.clone();
    let mut many_measures = liability_request();
    liability_mut(&mut many_measures).risk_management_measures = vec![0; 1_000_000];
    for (name, request, field) in [
        ("a 1 MiB amount", long_amount, "liability.annual_turnover"),
        (
            "a 1 MiB currency",
            long_currency,
            "liability.annual_turnover",
        ),
        ("a 1 MiB date", long_date, "rating_date"),
        (
            "1,000,000 measures",
            many_measures,
            "liability.risk_management_measures",
        ),
    ] {
        let status = app
            .quote(request)
            .await
            .expect_err(&format!("{name}: refused"));
        assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
        assert!(
            violated_fields(&status).iter().any(|f| f == field),
            "{name}: {:?}",
            violated_fields(&status)
        );
        assert!(
            answer_bytes(&status) < CEILING,
            "{name}: {} bytes",
            answer_bytes(&status)
        );
    }
    let status = app
        .audit
        .get_quote(pb::GetQuoteRequest {
            quote_id: huge.clone(),
        })
        .await
        .expect_err("not a quote id");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(answer_bytes(&status) < CEILING, "{}", answer_bytes(&status));
}

#[tokio::test]
async fn in_a_stream_a_huge_bad_request_fails_only_its_own_answer() {
    let app = spawn_app().await;
    let mut bad = liability_request();
    liability_mut(&mut bad).annual_turnover = eur(&"9".repeat(1 << 20));
    let messages = vec![
        pb::QuoteStreamRequest {
            request_id: "bad".into(),
            request: Some(bad),
        },
        pb::QuoteStreamRequest {
            request_id: "good".into(),
            request: Some(liability_request()),
        },
    ];
    // A client with the default 4 MiB limit on what it receives.
    let mut client = app.client.clone();
    let answers: Vec<pb::QuoteStreamResponse> = client
        .quote_stream(tokio_stream::iter(messages))
        .await
        .expect("a stream")
        .into_inner()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every answer arrives");
    assert_eq!(answers.len(), 2);
    match &answers[0].outcome {
        Some(pb::quote_stream_response::Outcome::Error(e)) => {
            assert_eq!(e.code, Code::InvalidArgument as i32);
            let size: usize = e.message.len()
                + e.field_violations
                    .iter()
                    .map(|v| v.field.len() + v.description.len())
                    .sum::<usize>();
            assert!(size < CEILING, "{size} bytes");
        }
        other => panic!("the bad request: {other:?}"),
    }
    assert!(matches!(
        answers[1].outcome,
        Some(pb::quote_stream_response::Outcome::Quote(_))
    ));
}

#[tokio::test]
async fn listing_quotes_by_a_malformed_version_is_refused_as_quoting_is() {
    let mut app = spawn_app().await;
    let status = app
        .audit
        .list_quotes(pb::ListQuotesRequest {
            model_version: "not-a-version".into(),
            ..Default::default()
        })
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["model_version"]);
}
