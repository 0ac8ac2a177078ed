//! Spawns the real server and builds typical requests.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use fairquote::grpc::pb::{self, quote_service_client::QuoteServiceClient};
use fairquote::rating::RateBooks;
use rust_decimal::Decimal;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::transport::Channel;

pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

pub fn default_books() -> RateBooks {
    fairquote::tables::load_rate_books(&models_dir()).expect("the default models load")
}

pub struct TestApp {
    pub client: QuoteServiceClient<Channel>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Starts the server on the default models, on a free port, and connects a client.
pub async fn spawn_app() -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (shutdown, stopped) = oneshot::channel::<()>();
    let books = Arc::new(default_books());
    tokio::spawn(fairquote::grpc::server::serve(listener, books, async {
        let _ = stopped.await;
    }));
    let client = QuoteServiceClient::connect(format!("http://{address}"))
        .await
        .expect("connect");
    TestApp {
        client,
        shutdown: Some(shutdown),
    }
}

pub fn eur(amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        amount: amount.to_owned(),
        currency: "EUR".to_owned(),
    })
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|_| panic!("`{text}` is a decimal"))
}

pub fn amount(money: &Option<pb::Money>) -> Decimal {
    dec(&money.as_ref().expect("an amount").amount)
}

pub const RATING_DATE: &str = "2026-12-01";

/// An escort working at clients' premises or hotels, with three safety measures.
pub fn liability_request() -> pb::QuoteRequest {
    pb::QuoteRequest {
        rating_date: RATING_DATE.to_owned(),
        transaction_type: pb::TransactionType::NewBusiness as i32,
        payment_frequency: pb::PaymentFrequency::Annual as i32,
        product: Some(pb::quote_request::Product::Liability(
            pb::LiabilityApplication {
                occupation: "escort_companion".to_owned(),
                work_setting: pb::WorkSetting::ClientPremises as i32,
                annual_turnover: eur("60000"),
                limit_of_indemnity: eur("1000000"),
                deductible: eur("250"),
                claims_last_5_years: 0,
                years_of_activity: 6,
                risk_management_measures: vec![
                    pb::RiskManagementMeasure::SafetyTraining as i32,
                    pb::RiskManagementMeasure::ScreeningProtocol as i32,
                    pb::RiskManagementMeasure::PeerNetwork as i32,
                ],
            },
        )),
    }
}

/// A self-employed escort of 35 insuring 1,500 EUR a month after 30 days, for 5 years.
pub fn income_protection_request() -> pb::QuoteRequest {
    pb::QuoteRequest {
        rating_date: RATING_DATE.to_owned(),
        transaction_type: pb::TransactionType::NewBusiness as i32,
        payment_frequency: pb::PaymentFrequency::Annual as i32,
        product: Some(pb::quote_request::Product::IncomeProtection(
            pb::IncomeProtectionApplication {
                age: 35,
                occupation: "escort_companion".to_owned(),
                employment_status: pb::EmploymentStatus::SelfEmployed as i32,
                average_monthly_income: eur("3000"),
                monthly_benefit: eur("1500"),
                deferred_period_days: 30,
                benefit_period: pb::BenefitPeriod::FiveYears as i32,
                smoker: false,
                claims_last_5_years: 0,
            },
        )),
    }
}

pub fn liability_mut(request: &mut pb::QuoteRequest) -> &mut pb::LiabilityApplication {
    match request.product.as_mut() {
        Some(pb::quote_request::Product::Liability(l)) => l,
        _ => panic!("a liability request"),
    }
}

pub fn income_protection_mut(
    request: &mut pb::QuoteRequest,
) -> &mut pb::IncomeProtectionApplication {
    match request.product.as_mut() {
        Some(pb::quote_request::Product::IncomeProtection(i)) => i,
        _ => panic!("an income-protection request"),
    }
}
