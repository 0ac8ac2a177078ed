//! What the load and soak runs share: the request they send, the real binary as a child
//! process, a candidate model to publish, and the resident memory of a process.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use fairquote::contract::pb;
use fairquote::contract::pb::model_service_client::ModelServiceClient;
use tonic::transport::Channel;

pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

pub fn eur(amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        amount: amount.into(),
        currency: "EUR".into(),
    })
}

/// A typical liability quote (the shared sample `escort_liability` of
/// `models/fixtures/sample_requests.csv`): the one every throughput figure is measured with.
/// The fixture is read once: read on every call, the load generator spent most of its time
/// parsing the CSV and measured itself rather than the server (7,700 echo calls/s, not 26,000).
pub fn request() -> pb::QuoteRequest {
    static REQUEST: std::sync::OnceLock<pb::QuoteRequest> = std::sync::OnceLock::new();
    REQUEST
        .get_or_init(|| {
            let csv = std::fs::read(models_dir().join("fixtures").join("sample_requests.csv"))
                .expect("the sample requests");
            let mut request =
                fairquote::contract::portfolio::portfolio_requests(&csv, "sample_requests.csv")
                    .expect("the sample requests read")
                    .into_iter()
                    .find(|(id, _)| id == "escort_liability")
                    .expect("the liability sample")
                    .1;
            request.insurer_reference = "BENCH-1".into();
            request
        })
        .clone()
}

/// `VmRSS:`, `VmHWM:`... of a process, in KiB.
pub fn resident_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// `fairquote serve` on the default models, its data in a fresh folder, as a child process.
pub struct Service {
    pub child: std::process::Child,
    pub address: String,
    pub data: tempfile::TempDir,
}

impl Service {
    pub fn start() -> Service {
        use std::io::BufRead;
        let data = tempfile::tempdir().expect("a folder");
        // `FAIRQUOTE_BENCH_WRAP="valgrind --tool=massif"` runs the service under a profiler.
        let wrap = std::env::var("FAIRQUOTE_BENCH_WRAP").unwrap_or_default();
        let mut words = wrap.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut command = std::process::Command::new(program);
                command.args(words).arg(env!("CARGO_BIN_EXE_fairquote"));
                command
            }
            None => std::process::Command::new(env!("CARGO_BIN_EXE_fairquote")),
        };
        let mut child = command
            .arg("serve")
            .env("FAIRQUOTE__SERVER__LISTEN_ADDRESS", "127.0.0.1:0")
            .env("FAIRQUOTE__DATA__DIR", data.path())
            .env("FAIRQUOTE__MODELS__DIR", models_dir())
            .env("RUST_LOG", "info")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().expect("stderr");
        let (found, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(at) = line.find("serving gRPC on ") {
                    let _ = found.send(line[at + 16..].trim().to_owned());
                }
            }
        });
        let address = format!(
            "http://{}",
            address
                .recv_timeout(Duration::from_secs(60))
                .expect("an address")
        );
        Service {
            child,
            address,
            data,
        }
    }

    /// SIGTERM, then waits: the service drains and exits, its data folder stays to read.
    pub fn stop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    pub fn resident_kib(&self, field: &str) -> u64 {
        resident_kib(self.child.id(), field)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn connect(address: &str) -> Channel {
    Channel::from_shared(address.to_owned())
        .expect("uri")
        .connect()
        .await
        .expect("connect")
}

/// Publishes the default liability model with one base rate changed; returns its id.
pub async fn publish_candidate(client: &mut ModelServiceClient<Channel>, actor: &str) -> String {
    let folder = models_dir().join("liability");
    let mut messages = vec![pb::ModelUpload {
        product: pb::Product::Liability as i32,
        actor: actor.into(),
        ..Default::default()
    }];
    for entry in std::fs::read_dir(&folder).expect("list") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "expected_premiums.csv" {
            continue;
        }
        let mut data = std::fs::read(entry.path()).expect("read");
        if name == "base_rates.csv" {
            data = String::from_utf8(data)
                .expect("text")
                .replace("L2,client_premises,3.60", "L2,client_premises,3.70")
                .into_bytes();
        }
        messages.push(pb::ModelUpload {
            file_name: name,
            data,
            ..Default::default()
        });
    }
    client
        .publish_model(tokio_stream::iter(messages))
        .await
        .expect("published")
        .into_inner()
        .version
        .expect("a version")
        .id
}
