//! TLS and mutual TLS, with certificates made in the test.

use std::path::Path;

use fairquote::contract::pb::quote_service_client::QuoteServiceClient;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use crate::helpers::*;

struct Pki {
    ca: String,
    server: (String, String),
    client: (String, String),
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("a key")).expect("a CA");
    let leaf = |name: &str| {
        let key = KeyPair::generate().expect("a key");
        let cert = CertificateParams::new(vec![name.to_owned()])
            .expect("params")
            .signed_by(&key, &ca)
            .expect("signed");
        (cert.pem(), key.serialize_pem())
    };
    Pki {
        ca: ca.pem(),
        server: leaf("localhost"),
        client: leaf("insurer-a.example"),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

async fn tls_app(pki: &Pki, mutual: bool) -> (TestApp, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = test_settings(data.path());
    settings.server.tls.cert_file = write(data.path(), "server.pem", &pki.server.0);
    settings.server.tls.key_file = write(data.path(), "server.key", &pki.server.1);
    if mutual {
        settings.server.tls.client_ca_file = write(data.path(), "ca.pem", &pki.ca);
    }
    let state = fairquote::app::start(&settings).await.expect("starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(fairquote::grpc::server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    // The helper's plaintext clients are not used here; only the address.
    (TestApp::unconnected(address), data)
}

async fn client(
    address: std::net::SocketAddr,
    pki: &Pki,
    with_certificate: bool,
) -> Result<QuoteServiceClient<Channel>, String> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&pki.ca))
        .domain_name("localhost");
    if with_certificate {
        tls = tls.identity(Identity::from_pem(&pki.client.0, &pki.client.1));
    }
    let channel = Channel::from_shared(format!("https://127.0.0.1:{}", address.port()))
        .map_err(|e| e.to_string())?
        .tls_config(tls)
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    Ok(QuoteServiceClient::new(channel))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_travel_over_tls_and_plaintext_is_refused() {
    let pki = pki();
    let (app, _data) = tls_app(&pki, false).await;
    let mut secure = client(app.address, &pki, false)
        .await
        .expect("a TLS connection");
    secure
        .quote(liability_request())
        .await
        .expect("a quote over TLS");

    let plain = Channel::from_shared(format!("http://{}", app.address))
        .expect("uri")
        .connect()
        .await;
    let refused = match plain {
        Err(_) => true,
        Ok(channel) => QuoteServiceClient::new(channel)
            .quote(liability_request())
            .await
            .is_err(),
    };
    assert!(refused, "a plaintext call was served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mutual_tls_a_client_without_a_certificate_is_refused() {
    let pki = pki();
    let (app, _data) = tls_app(&pki, true).await;
    let mut with_certificate = client(app.address, &pki, true)
        .await
        .expect("a mutual TLS connection");
    with_certificate
        .quote(liability_request())
        .await
        .expect("a quote over mutual TLS");

    let refused = match client(app.address, &pki, false).await {
        Err(_) => true,
        Ok(mut anonymous) => anonymous.quote(liability_request()).await.is_err(),
    };
    assert!(refused, "a client without a certificate was served");
}
