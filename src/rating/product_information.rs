//! The insurance product information document (the IPID of the Insurance Distribution Directive,
//! in the standardised form of Commission Implementing Regulation (EU) 2017/1469): written by
//! the product's designer, carried by a model version in each language it is given in
//! (`ipid-<language>.toml`), served in the catalogue, rendered as a page, and named by every
//! quote given with it.

use std::fmt::Write as _;

use serde::Serialize;

use crate::domain::Language;

/// The headings of the regulation's form, in its order: each document answers every one.
pub const HEADINGS: [&str; 9] = [
    "what_is_this_type_of_insurance",
    "what_is_insured",
    "what_is_not_insured",
    "restrictions_on_cover",
    "where_am_i_covered",
    "my_obligations",
    "when_and_how_to_pay",
    "when_cover_starts_and_ends",
    "how_to_cancel",
];

/// A heading's wording in a language, as the regulation's language versions have it.
pub fn heading(code: &str, language: Language) -> &'static str {
    use Language::*;
    match (code, language) {
        ("what_is_this_type_of_insurance", En) => "What is this type of insurance?",
        ("what_is_this_type_of_insurance", Fr) => "De quel type d'assurance s'agit-il ?",
        ("what_is_this_type_of_insurance", Nl) => "Welk soort verzekering is het?",
        ("what_is_this_type_of_insurance", De) => "Um welche Art von Versicherung handelt es sich?",
        ("what_is_insured", En) => "What is insured?",
        ("what_is_insured", Fr) => "Qu'est-ce qui est assuré ?",
        ("what_is_insured", Nl) => "Wat is verzekerd?",
        ("what_is_insured", De) => "Was ist versichert?",
        ("what_is_not_insured", En) => "What is not insured?",
        ("what_is_not_insured", Fr) => "Qu'est-ce qui n'est pas assuré ?",
        ("what_is_not_insured", Nl) => "Wat is niet verzekerd?",
        ("what_is_not_insured", De) => "Was ist nicht versichert?",
        ("restrictions_on_cover", En) => "Are there any restrictions on cover?",
        ("restrictions_on_cover", Fr) => "Y a-t-il des restrictions de couverture ?",
        ("restrictions_on_cover", Nl) => "Zijn er dekkingsbeperkingen?",
        ("restrictions_on_cover", De) => "Gibt es Deckungsbeschränkungen?",
        ("where_am_i_covered", En) => "Where am I covered?",
        ("where_am_i_covered", Fr) => "Où suis-je couvert·e ?",
        ("where_am_i_covered", Nl) => "Waar ben ik gedekt?",
        ("where_am_i_covered", De) => "Wo bin ich versichert?",
        ("my_obligations", En) => "What are my obligations?",
        ("my_obligations", Fr) => "Quelles sont mes obligations ?",
        ("my_obligations", Nl) => "Wat zijn mijn verplichtingen?",
        ("my_obligations", De) => "Welche Verpflichtungen habe ich?",
        ("when_and_how_to_pay", En) => "When and how do I pay?",
        ("when_and_how_to_pay", Fr) => "Quand et comment effectuer les paiements ?",
        ("when_and_how_to_pay", Nl) => "Wanneer en hoe betaal ik?",
        ("when_and_how_to_pay", De) => "Wann und wie zahle ich?",
        ("when_cover_starts_and_ends", En) => "When does the cover start and end?",
        ("when_cover_starts_and_ends", Fr) => {
            "Quand commence la couverture et quand prend-elle fin ?"
        }
        ("when_cover_starts_and_ends", Nl) => "Wanneer begint en eindigt de dekking?",
        ("when_cover_starts_and_ends", De) => "Wann beginnt und endet die Deckung?",
        ("how_to_cancel", En) => "How do I cancel the contract?",
        ("how_to_cancel", Fr) => "Comment puis-je résilier le contrat ?",
        ("how_to_cancel", Nl) => "Hoe zeg ik mijn overeenkomst op?",
        ("how_to_cancel", De) => "Wie kann ich den Vertrag kündigen?",
        _ => "",
    }
}

/// The statement the form puts under its title, in each language.
fn notice(language: Language) -> &'static str {
    match language {
        Language::En => {
            "Complete pre-contractual and contractual information on the product is provided in other documents."
        }
        Language::Fr => {
            "Les informations précontractuelles et contractuelles complètes relatives au produit sont fournies dans d'autres documents."
        }
        Language::Nl => {
            "De volledige precontractuele en contractuele informatie over het product wordt in andere documenten verstrekt."
        }
        Language::De => {
            "Vollständige vorvertragliche und vertragliche Informationen über das Produkt finden Sie in anderen Dokumenten."
        }
    }
}

/// One document, as its designer wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductInformation {
    /// `fr`.
    pub language: &'static str,
    /// The document's id: its language and the SHA-256 of its content (how the file was saved
    /// does not count), `fr/1a2b...`. A quote names the document it was given with by it.
    pub id: String,
    /// The insurer: its name, country of registration and authorisation.
    pub insurer: String,
    pub product: String,
    /// Every heading of `HEADINGS`, in order, with its heading's wording and its points.
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub code: &'static str,
    pub heading: &'static str,
    pub points: Vec<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The document as a self-contained page, laid out for two printed pages.
pub fn html(document: &ProductInformation) -> String {
    let language = Language::parse(document.language).unwrap_or_default();
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.4}}\
         h2{{font-size:1.05em;margin:1em 0 .3em}}ul{{margin:0;padding-left:1.2em}}\
         .notice{{font-style:italic}}@media print{{body{{margin:0;font-size:10pt}}}}</style>\
         </head><body><h1>{}</h1><p>{}</p><p class=\"notice\">{}</p>",
        document.language,
        escape(&document.product),
        escape(&document.product),
        escape(&document.insurer),
        notice(language)
    );
    for section in &document.sections {
        let _ = write!(
            page,
            "<section id=\"{}\"><h2>{}</h2><ul>",
            section.code,
            escape(section.heading)
        );
        for point in &section.points {
            let _ = write!(page, "<li>{}</li>", escape(point));
        }
        page.push_str("</ul></section>");
    }
    let _ = writeln!(
        page,
        "<p class=\"id\">{}</p></body></html>",
        escape(&document.id)
    );
    page
}
