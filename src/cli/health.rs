//! `fairquote health`: asks a running service's gRPC health service whether it serves, for a
//! container's HEALTHCHECK or a script.

use std::process::ExitCode;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::config::Settings;

pub fn run(server: Option<String>, settings: &Settings) -> ExitCode {
    let server = server.unwrap_or_else(|| {
        // A wildcard listen address is reached on this host's loopback.
        let address = settings
            .server
            .listen_address
            .replace("0.0.0.0", "127.0.0.1");
        format!("http://{address}")
    });
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let answer = async {
            let channel = tonic::transport::Channel::from_shared(server.clone())
                .map_err(|e| e.to_string())?
                .connect()
                .await
                .map_err(|e| e.to_string())?;
            let mut client = HealthClient::new(channel);
            client
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map(|r| r.into_inner().status)
                .map_err(|s| s.message().to_owned())
        };
        match tokio::time::timeout(std::time::Duration::from_secs(5), answer).await {
            Ok(Ok(status)) if status == ServingStatus::Serving as i32 => {
                say!("{server}: SERVING");
                ExitCode::SUCCESS
            }
            Ok(Ok(status)) => {
                say!(
                    "{server}: {:?}",
                    ServingStatus::try_from(status).unwrap_or(ServingStatus::Unknown)
                );
                ExitCode::FAILURE
            }
            Ok(Err(e)) => {
                eprintln!("{server}: {e}");
                ExitCode::FAILURE
            }
            Err(_) => {
                eprintln!("{server}: no answer within 5 s");
                ExitCode::FAILURE
            }
        }
    })
}
