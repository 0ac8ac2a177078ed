//! The Kubernetes manifests under `deploy/` stay true to the service: every variable they set
//! is a documented setting, the settings file they mount loads, and the probes ask the health
//! service about services it reports on, on the port the service listens to.

use std::path::PathBuf;

fn manifests() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes");
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .expect("deploy/kubernetes")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p, text)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the manifests are missing");
    files
}

fn deployment() -> String {
    manifests()
        .into_iter()
        .find(|(p, _)| p.ends_with("deployment.yaml"))
        .expect("deployment.yaml")
        .1
}

#[test]
fn every_variable_the_manifests_set_is_a_documented_setting() {
    let documented =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/SETTINGS.md"))
            .expect("docs/SETTINGS.md");
    let mut seen = 0;
    for (path, text) in manifests() {
        for line in text.lines() {
            let Some(name) = line.trim().strip_prefix("- name: FAIRQUOTE") else {
                continue;
            };
            let variable = format!("FAIRQUOTE{name}");
            seen += 1;
            assert!(
                documented.contains(&format!("`{variable}`")),
                "{}: {variable} is not in docs/SETTINGS.md",
                path.display()
            );
        }
    }
    assert!(seen >= 5, "only {seen} variables found");
}

#[test]
fn the_mounted_settings_file_loads_and_listens_on_the_probed_port() {
    let (_, configmap) = manifests()
        .into_iter()
        .find(|(p, _)| p.ends_with("settings.yaml"))
        .expect("settings.yaml");
    let body: String = configmap
        .split_once("fairquote.toml: |\n")
        .expect("a fairquote.toml entry")
        .1
        .lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("fairquote.toml");
    std::fs::write(&file, body).expect("writable");
    let settings = fairquote::config::load(Some(&file)).expect("the settings file loads");
    let port = settings
        .server
        .listen_address
        .rsplit_once(':')
        .expect("host:port")
        .1
        .to_owned();
    let deployment = deployment();
    assert!(
        deployment.contains(&format!("containerPort: {port}")),
        "the container does not expose {port}"
    );
    let probes = deployment.matches(&format!("port: {port}")).count();
    assert_eq!(probes, 3, "startup, readiness and liveness probe {port}");
}

#[test]
fn the_probes_ask_about_services_that_health_reports_on() {
    let deployment = deployment();
    let asked: Vec<&str> = deployment
        .lines()
        .filter_map(|l| l.trim().strip_prefix("service: "))
        .collect();
    assert!(!asked.is_empty(), "no probe names a service");
    for service in asked {
        assert!(
            fairquote::grpc::server::SERVICES.contains(&service),
            "health does not report on {service}"
        );
    }
}
