//! The product information document (IPID, Regulation (EU) 2017/1469): carried by the version
//! in each language, its headings validated, served in the catalogue, rendered as a page, and
//! named by every quote given with it.

use std::process::Command;

use crate::helpers::*;

#[tokio::test]
async fn the_catalogue_and_a_quote_name_the_same_document() {
    let mut app = spawn_app().await;
    for language in ["en", "nl", "fr", "de"] {
        let catalogue = catalogue_in(&mut app, language).await;
        let income = catalogue.income_protection.expect("income protection");
        let document = income.product_information.expect("an IPID");
        assert_eq!(document.language, language);
        assert!(document.id.starts_with(&format!("{language}/")));
        let codes: Vec<&str> = document.sections.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, fairquote::rating::product_information::HEADINGS);
        assert!(document.sections.iter().all(|s| !s.points.is_empty()));
        assert!(document.html.contains(&document.sections[1].heading));

        let mut request = income_protection_request();
        request.language = language.into();
        let quote = app.quote(request).await.expect("a quote");
        assert_eq!(quote.product_information, document.id, "{language}");
        // A declined quote was given with it too.
        let mut request = income_protection_request();
        request.language = language.into();
        income_protection_mut(&mut request).age = 62;
        let quote = app.quote(request).await.expect("a quote");
        assert_eq!(quote.product_information, document.id);

        let liability = catalogue.liability.expect("liability");
        let mut request = liability_request();
        request.language = language.into();
        let quote = app.quote(request).await.expect("a quote");
        assert_eq!(
            quote.product_information,
            liability.product_information.expect("an IPID").id
        );
    }
    let french = catalogue_in(&mut app, "fr").await;
    let document = french
        .income_protection
        .unwrap()
        .product_information
        .unwrap();
    assert_eq!(
        document.sections[2].heading,
        "Qu'est-ce qui n'est pas assuré ?"
    );
}

fn faults(models: &std::path::Path) -> Vec<fairquote::tables::TableFault> {
    fairquote::tables::load_rate_books(models)
        .expect_err("refused")
        .faults
}

#[test]
fn a_document_missing_a_heading_or_with_another_is_a_located_fault() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    copy_dir(&models_dir(), &models);
    let path = models.join("income_protection/ipid-fr.toml");
    let text = std::fs::read_to_string(&path).unwrap();

    // A heading left out.
    let start = text.find("what_is_not_insured = [").unwrap();
    let end = start + text[start..].find("]\n").unwrap() + 2;
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let found = faults(&models);
    assert!(
        found
            .iter()
            .any(|f| f.file == "income_protection/ipid-fr.toml"
                && f.column.as_deref() == Some("what_is_not_insured")
                && f.message.contains("Qu'est-ce qui n'est pas assuré ?")
                && f.message.contains("2017/1469")),
        "{found:?}"
    );

    // A key that is no heading, at its line.
    std::fs::write(&path, format!("{text}price_promise = \"the lowest\"\n")).unwrap();
    let found = faults(&models);
    let line = text.lines().count() + 1;
    assert!(
        found
            .iter()
            .any(|f| f.column.as_deref() == Some("price_promise")
                && f.row == Some(line)
                && f.message.contains("not a heading")),
        "{found:?}"
    );

    // An empty answer, text that does not read, a document far beyond two pages, a file named
    // for no language.
    std::fs::write(
        &path,
        text.replace("how_to_cancel = [", "how_to_cancel = [\"\", "),
    )
    .unwrap();
    assert!(
        faults(&models)
            .iter()
            .any(|f| f.column.as_deref() == Some("how_to_cancel")),
    );
    std::fs::write(&path, format!("{text}\nwhat_is_insured = \n")).unwrap();
    assert!(
        faults(&models)
            .iter()
            .any(|f| f.file == "income_protection/ipid-fr.toml" && f.row.is_some()),
    );
    let long = "x".repeat(590);
    let padded = text.replace(
        "what_is_insured = [",
        &format!("what_is_insured = [{}", format!("\"{long}\", ").repeat(11)),
    );
    std::fs::write(&path, padded).unwrap();
    assert!(
        faults(&models)
            .iter()
            .any(|f| f.message.contains("about two pages")),
    );
    std::fs::write(&path, &text).unwrap();
    std::fs::write(models.join("income_protection/ipid-it.toml"), &text).unwrap();
    assert!(
        faults(&models)
            .iter()
            .any(|f| f.file == "income_protection/ipid-it.toml"),
    );
}

#[test]
fn the_command_renders_the_document_as_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("ipid.html");
    let out = Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(["model", "ipid"])
        .arg(models_dir().join("liability"))
        .args(["--lang", "nl", "--html"])
        .arg(&page)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Wat is verzekerd?"), "{stdout}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
    for code in fairquote::rating::product_information::HEADINGS {
        assert!(html.contains(&format!("<section id=\"{code}\">")), "{code}");
    }
    assert!(html.contains("De volledige precontractuele en contractuele informatie"));
}

/// The form is about two pages: every default document prints on at most two A4 pages.
#[test]
fn every_default_document_prints_on_two_pages_at_most() {
    let dir = tempfile::tempdir().unwrap();
    for product in ["liability", "income_protection"] {
        for language in ["en", "nl", "fr", "de"] {
            let page = dir.path().join(format!("{product}-{language}.html"));
            let out = Command::new(env!("CARGO_BIN_EXE_fairquote"))
                .args(["model", "ipid"])
                .arg(models_dir().join(product))
                .args(["--lang", language, "--html"])
                .arg(&page)
                .output()
                .expect("runs");
            assert!(out.status.success());
            let pdf = printed(&page);
            assert!(pdf.starts_with(b"%PDF-"));
            let pages = pdf_pages(&pdf);
            assert!(
                (1..=2).contains(&pages),
                "{product} {language}: {pages} pages"
            );
        }
    }
}
