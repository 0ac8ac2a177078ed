//! The published segmentation criteria (law of 4 April 2014): generated from the version in
//! each language, through the command and the catalogue alike, and named by every reason a
//! declined or referred quote gives.

use std::process::Command;

use serde_json::Value;

use crate::helpers::*;

fn criteria(dir: &std::path::Path, lang: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(["model", "criteria"])
        .arg(dir)
        .args(["--lang", lang, "--json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn version_id(dir: &std::path::Path, product: fairquote::domain::Product) -> String {
    fairquote::tables::ModelFiles::read_dir(dir, product)
        .expect("readable")
        .version_id()
}

#[test]
fn the_criteria_list_every_table_and_its_justification_in_each_language() {
    use fairquote::domain::Product;
    let titles = [
        ("en", "Segmentation criteria"),
        ("nl", "Segmentatiecriteria"),
        ("fr", "Critères de segmentation"),
        ("de", "Segmentierungskriterien"),
    ];
    for product in Product::ALL {
        let dir = models_dir().join(product.code());
        let id = version_id(&dir, product);
        let tables: Vec<String> = fairquote::rating::book::RATED_TABLES
            .iter()
            .filter(|(p, _)| *p == product)
            .map(|(_, t)| format!("{t}.csv"))
            .collect();
        let manifest: toml::Table = std::fs::read_to_string(dir.join("manifest.toml"))
            .unwrap()
            .parse()
            .unwrap();
        for (lang, title) in titles {
            let text = criteria(&dir, lang);
            let whole = text.to_string();
            assert!(
                !whole.contains('⟦'),
                "{lang}: a sentence is missing: {whole}"
            );
            assert!(text["title"].as_str().unwrap().starts_with(title), "{lang}");
            assert_eq!(text["model_version"], id.as_str());
            assert!(text["introduction"][0].as_str().unwrap().contains(&id));
            let price = text["price"].as_array().unwrap();
            let listed: Vec<&str> = price.iter().map(|p| p["table"].as_str().unwrap()).collect();
            assert_eq!(listed, tables, "{lang}");
            // Every justification record of the version is quoted under the table it covers,
            // among the price's tables or the acceptance's.
            let acceptance_tables = text["acceptance_tables"].as_array().unwrap();
            for record in manifest["justifications"].as_array().unwrap() {
                let record_id = record["id"].as_str().unwrap();
                let table = record["factor"].as_str().unwrap();
                let entry = price
                    .iter()
                    .chain(acceptance_tables)
                    .find(|p| table.starts_with(p["table"].as_str().unwrap()))
                    .unwrap_or_else(|| panic!("{record_id}: no table {table}"));
                assert!(
                    entry["justifications"].to_string().contains(record_id),
                    "{lang} {record_id}: {entry}"
                );
                assert!(
                    entry["justifications"]
                        .to_string()
                        .contains(record["aim"].as_str().unwrap()),
                    "{lang} {record_id}"
                );
            }
            assert!(!text["acceptance"].as_array().unwrap().is_empty());
        }
    }
    // Income protection rates age and smoking (health) under a justification: both are said.
    let fr = criteria(&models_dir().join("income_protection"), "fr");
    let protected = fr["price"].to_string();
    assert!(
        protected.contains("L'âge est un critère des lois anti-discrimination"),
        "{protected}"
    );
    assert!(
        protected.contains("L'état de santé est un critère"),
        "{protected}"
    );
    let rules = fr["acceptance"].to_string();
    assert!(rules.contains("entre 18 et 60 ans"), "{rules}");
}

#[test]
fn the_criteria_change_with_the_version_and_render_as_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("liability");
    copy_dir(&models_dir().join("liability"), &copy);
    let before = criteria(&copy, "nl");
    let manifest = copy.join("manifest.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let aim = "price the limit of indemnity: a higher limit exposes more";
    let changed = text.replacen("aim = \"", &format!("aim = \"{aim}; "), 1);
    assert_ne!(changed, text);
    std::fs::write(&manifest, changed).unwrap();
    let after = criteria(&copy, "nl");
    let id = version_id(&copy, fairquote::domain::Product::Liability);
    assert_ne!(before["model_version"], after["model_version"]);
    assert_eq!(after["model_version"], id.as_str());
    assert!(after["price"].to_string().contains(aim));
    assert!(!before["price"].to_string().contains(aim));

    let page = dir.path().join("criteria.html");
    let out = Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(["model", "criteria"])
        .arg(&copy)
        .args(["--lang", "de", "--html"])
        .arg(&page)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"de\">"),
        "{html}"
    );
    for anchor in [
        "criterion-occupation",
        "criterion-claims_history",
        "criterion-turnover",
    ] {
        assert!(html.contains(&format!("id=\"{anchor}\"")), "{anchor}");
    }
    assert!(html.contains(&id));
    // An unknown language is the caller's mistake, said as such.
    let out = Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(["model", "criteria"])
        .arg(&copy)
        .args(["--lang", "it"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("en, nl, fr or de"));
}

#[tokio::test]
async fn the_catalogue_and_the_reasons_of_a_quote_name_the_same_criteria() {
    let mut app = spawn_app().await;
    let catalogue = catalogue_in(&mut app, "fr").await;
    let income = catalogue.income_protection.expect("income protection");
    let criteria = income.criteria.expect("criteria");
    assert_eq!(criteria.model_version, income.model.expect("a model").id);
    assert_eq!(criteria.language, "fr");
    assert!(criteria.html.contains("id=\"criterion-age\""));
    // The command gives the same text for the same version.
    let command = self::criteria(&models_dir().join("income_protection"), "fr");
    assert_eq!(command["title"].as_str(), Some(criteria.title.as_str()));
    assert_eq!(
        command["acceptance"].as_array().unwrap().len(),
        criteria.acceptance.len()
    );

    // A declined quote's reason names the criterion it applies, which the catalogue lists.
    let mut request = income_protection_request();
    request.language = "fr".into();
    income_protection_mut(&mut request).age = 62;
    let quote = app.quote(request).await.expect("a quote");
    let reason = &quote.reasons[0];
    assert_eq!(reason.code, "AGE_OUTSIDE_ELIGIBILITY");
    assert_eq!(reason.criterion, "age");
    let rule = criteria
        .acceptance
        .iter()
        .find(|r| r.reason_code == reason.code)
        .expect("the rule");
    assert_eq!(rule.criterion, reason.criterion);
    assert_eq!(rule.criterion_name, "Âge");

    // So does a referred liability quote's.
    let mut request = liability_request();
    liability_mut(&mut request).claims_last_5_years = 2;
    let quote = app.quote(request).await.expect("a quote");
    let liability = catalogue
        .liability
        .expect("liability")
        .criteria
        .expect("criteria");
    for reason in &quote.reasons {
        assert!(
            liability
                .acceptance
                .iter()
                .any(|r| r.reason_code == reason.code && r.criterion == reason.criterion),
            "{reason:?}"
        );
    }
    assert!(
        quote
            .reasons
            .iter()
            .any(|r| r.criterion == "claims_history")
    );
}
