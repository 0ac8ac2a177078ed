//! Belgium's languages: a quote and the catalogue in en, nl, fr or de, from the message
//! catalogues of the model version; the same figures in every language.

use fairquote::contract::pb;
use tonic::Code;

use crate::helpers::*;

fn in_language(mut request: pb::QuoteRequest, language: &str) -> pb::QuoteRequest {
    request.language = language.to_owned();
    request
}

/// A liability quote an underwriter reviews: three claims in five years.
fn referred_liability() -> pb::QuoteRequest {
    let mut request = liability_request();
    liability_mut(&mut request).claims_last_5_years = 3;
    request
}

/// Everything of a response but its words and its id.
fn figures(response: &pb::QuoteResponse) -> String {
    let steps: Vec<_> = response
        .worksheet
        .as_ref()
        .map(|w| {
            w.steps
                .iter()
                .map(|s| {
                    (
                        &s.code,
                        &s.table,
                        &s.row_key,
                        s.operation,
                        &s.value,
                        &s.running_amount,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let reasons: Vec<_> = response
        .reasons
        .iter()
        .map(|r| (&r.code, &r.parameters))
        .collect();
    format!(
        "{} {} {:?} {reasons:?} {steps:?} {} {}",
        response.product,
        response.decision,
        response.premium,
        response.model_version,
        response.valid_until
    )
}

fn sentences(response: &pb::QuoteResponse) -> Vec<String> {
    response
        .reasons
        .iter()
        .map(|r| r.message.clone())
        .chain(
            response
                .worksheet
                .iter()
                .flat_map(|w| &w.steps)
                .map(|s| s.description.clone()),
        )
        .collect()
}

#[tokio::test]
async fn every_language_gives_the_same_figures_in_its_own_words() {
    let mut app = spawn_app().await;
    for request in [referred_liability(), income_protection_request()] {
        let english = app.quote(request.clone()).await.expect("an English quote");
        assert_eq!(
            english,
            app.quote(in_language(request.clone(), "en"))
                .await
                .expect("en")
                .with_id_of(&english),
            "no language is English"
        );
        for language in ["nl", "fr", "de"] {
            let other = app
                .quote(in_language(request.clone(), language))
                .await
                .unwrap_or_else(|s| panic!("{language}: {s:?}"));
            assert_eq!(figures(&english), figures(&other), "{language}");
            for (a, b) in sentences(&english).iter().zip(sentences(&other)) {
                assert_ne!(*a, b, "{language}: a sentence left in English");
                assert!(!b.contains('⟦') && !b.is_empty(), "{language}: {b}");
            }
        }
    }
}

trait WithId {
    fn with_id_of(self, other: &pb::QuoteResponse) -> pb::QuoteResponse;
}

impl WithId for pb::QuoteResponse {
    fn with_id_of(mut self, other: &pb::QuoteResponse) -> pb::QuoteResponse {
        self.quote_id = other.quote_id.clone();
        self.quoted_at = other.quoted_at.clone();
        self.log_position = other.log_position;
        self
    }
}

#[tokio::test]
async fn a_french_referral_states_its_figures_as_data() {
    let mut app = spawn_app().await;
    let quote = app
        .quote(in_language(referred_liability(), "fr-BE"))
        .await
        .expect("a quote in Belgian French");
    assert_eq!(quote.decision, pb::Decision::Refer as i32);
    let reason = quote
        .reasons
        .iter()
        .find(|r| r.code == "CLAIMS_HISTORY")
        .expect("the claims history is reviewed");
    assert_eq!(
        reason.message,
        "3 sinistres au cours des 5 dernières années : un souscripteur examine l'historique des \
         sinistres"
    );
    assert_eq!(
        reason.parameters.get("claims").map(String::as_str),
        Some("3")
    );
    let steps = &quote.worksheet.as_ref().expect("a worksheet").steps;
    let loadings = steps
        .iter()
        .find(|s| s.code == "loadings")
        .expect("loadings");
    // Rates are written with a decimal comma in the sentence, with a point in the figures.
    assert!(
        loadings.description.contains("commission 0,15"),
        "{}",
        loadings.description
    );
    assert!(loadings.value.contains('.'), "{}", loadings.value);
}

#[tokio::test]
async fn an_unknown_language_is_refused_with_its_field() {
    let mut app = spawn_app().await;
    for language in ["es", "français", "fr-", "en-GBR", &"x".repeat(100_000)] {
        let status = app
            .quote(in_language(liability_request(), language))
            .await
            .expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument);
        let fields = violated_fields(&status);
        assert_eq!(fields, vec!["language".to_owned()], "{language:.20}");
        assert!(status.message().len() < 1024);
    }
    let status = app
        .client
        .describe_products(pb::DescribeProductsRequest {
            language: "es".into(),
            ..Default::default()
        })
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), vec!["language".to_owned()]);
}

#[tokio::test]
async fn the_catalogue_labels_everything_in_the_language_asked() {
    let mut app = spawn_app().await;
    let catalogue = |language: &str| pb::DescribeProductsRequest {
        rating_date: RATING_DATE.into(),
        language: language.into(),
        ..Default::default()
    };
    let english = app
        .client
        .describe_products(catalogue(""))
        .await
        .expect("en")
        .into_inner();
    let dutch = app
        .client
        .describe_products(catalogue("nl"))
        .await
        .expect("nl")
        .into_inner();
    assert_eq!(
        (english.language.as_str(), dutch.language.as_str()),
        ("en", "nl")
    );
    let (en, nl) = (
        english.liability.expect("liability"),
        dutch.liability.expect("liability"),
    );
    // The same offer, other words.
    assert_eq!(en.work_settings, nl.work_settings);
    assert_eq!(en.work_setting_labels.len(), en.work_settings.len());
    assert_eq!(
        en.risk_management_measure_labels.len(),
        en.risk_management_measures.len()
    );
    let physio = |c: &pb::LiabilityCatalogue| {
        c.occupations
            .iter()
            .find(|o| o.code == "physiotherapist")
            .map(|o| o.label.clone())
    };
    assert_eq!(physio(&en).as_deref(), Some("Physiotherapist"));
    assert_eq!(physio(&nl).as_deref(), Some("Kinesitherapeut"));
    assert!(nl.work_setting_labels.contains(&"Alleen online".to_owned()));
    let ip = dutch.income_protection.expect("income protection");
    assert_eq!(ip.benefit_period_labels.len(), ip.benefit_periods.len());
    assert!(ip.benefit_period_labels.contains(&"Tot 65 jaar".to_owned()));
}

/// A version published before catalogues were kept in versions speaks the built-in English,
/// word for word as quotes were worded then, and refuses another language by name.
#[tokio::test]
async fn a_version_without_catalogues_speaks_only_its_built_in_english() {
    let mut app = spawn_app().await;
    let candidate = version(pb::Product::Liability, &[]);
    for language in ["en", "nl", "fr", "de"] {
        std::fs::remove_file(candidate.path.join(format!("messages-{language}.ftl")))
            .expect("remove a catalogue");
    }
    let id = app.publish(&candidate).await;
    let mut request = referred_liability();
    request.model_version = id.clone();
    let quote = app.quote(request.clone()).await.expect("priced in English");
    let reason = quote.reasons.first().expect("a reason");
    assert_eq!(
        reason.message,
        "3 claims in the last 5 years: an underwriter reviews the claims history"
    );
    let status = app
        .quote(in_language(request, "de"))
        .await
        .expect_err("no German");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("not worded in de") && status.message().contains(&id),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_catalogue_with_a_missing_message_is_refused_with_its_file_and_message() {
    let mut app = spawn_app().await;
    let candidate = version(
        pb::Product::IncomeProtection,
        &[(
            "messages-de.ftl",
            "step-smoker_factor = multipliziert mit dem Raucherfaktor\n",
            "",
        )],
    );
    let status = app
        .models
        .publish_model(tokio_stream::iter(upload(&candidate, "actuary A")))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields = violated_fields(&status);
    assert!(
        fields
            .iter()
            .any(|f| f == "income_protection/messages-de.ftl"),
        "{fields:?}"
    );
    assert!(
        status.message().contains("step-smoker_factor"),
        "{}",
        status.message()
    );
}
