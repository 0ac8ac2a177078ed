//! The criteria by which a product segments acceptance and price, with their justification, as
//! the law of 4 April 2014 on insurance has an insurer publish them and explain a refusal.
//!
//! The text is made from a model version itself: its rating tables (`book::RATED_TABLES`), the
//! justification records that cover each, the protected criteria they declare, and its
//! eligibility rules with their figures; so it names the version's id and changes whenever the
//! version does. The sentences around those facts come from the version's own catalogue where
//! it words them, else from the built-in ones (`wording/criteria-<language>.ftl`), which speak
//! every language: a version worded in English only still publishes its criteria in all four.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{Language, Product};

use super::book::{
    IncomeProtectionRateBook, LiabilityRateBook, ModelVersion, RATED_TABLES, factor_covers,
};
use super::schedule::PublishedBook;
use super::wording::{Arg, Wording, Words};

/// What a product's published criteria say, in one language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentationCriteria {
    pub product: Product,
    pub model_version: String,
    /// `fr`.
    pub language: &'static str,
    pub title: String,
    pub introduction: Vec<String>,
    /// One entry per rating table of the version, in `RATED_TABLES` order.
    pub price: Vec<PriceCriterion>,
    /// The tables the acceptance rules read and the price never does (income protection's
    /// statutory benefits), with their justification, as `price` has them.
    pub acceptance_tables: Vec<PriceCriterion>,
    pub acceptance: Vec<AcceptanceRule>,
    pub refusal: String,
    /// The section headings, in the language.
    pub headings: [String; 3],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceCriterion {
    /// `base_rates.csv`.
    pub table: String,
    /// The criteria the table rates, by id (`age`), as a reason names them.
    pub criteria: Vec<&'static str>,
    pub criterion_names: Vec<String>,
    pub explanation: String,
    /// Each justification record that covers the table, as a sentence.
    pub justifications: Vec<String>,
    /// Each protected criterion of the acts of 10 May 2007 the records declare, as a sentence.
    pub protected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptanceRule {
    /// The code of the reason a quote gives when the rule applies.
    pub reason_code: &'static str,
    pub criterion: &'static str,
    pub criterion_name: String,
    pub text: String,
}

/// The criterion a reason applies: what a declined or referred quote's reason points to in the
/// published criteria. Every reason code the engine gives has one.
pub fn criterion_of_reason(code: &str) -> &'static str {
    match code {
        "AGE_OUTSIDE_ELIGIBILITY" => "age",
        "BENEFIT_ABOVE_INCOME_CAP" => "income",
        "BENEFIT_ABOVE_COMBINED_CAP"
        | "STATUTORY_BENEFIT_ABOVE_INCOME_CAP"
        | "STATUTORY_BENEFIT_UNKNOWN"
        | "FAMILY_SITUATION_ASSUMED" => "statutory_benefit",
        "DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY" => "employment_status",
        "LARGE_BENEFIT" => "benefit",
        "CLAIMS_HISTORY" | "CLAIMS_BEYOND_RATING_TABLE" => "claims_history",
        "LARGE_TURNOVER" => "turnover",
        _ => "occupation",
    }
}

/// The criteria a rating table rates.
fn rated_by(product: Product, table: &str) -> &'static [&'static str] {
    match (product, table) {
        (Product::Liability, "base_rates") => &["occupation", "work_setting"],
        (Product::Liability, "increased_limit_factors") => &["limit_of_indemnity"],
        (Product::Liability, "deductible_factors") => &["deductible"],
        (Product::Liability, "experience_factors") => &["claims_history"],
        (Product::Liability, "risk_management_credits") => &["risk_management"],
        (Product::IncomeProtection, "base_rates") => &["age", "deferred_period", "benefit_period"],
        (Product::IncomeProtection, "smoker_factors") => &["smoking"],
        (Product::IncomeProtection, "statutory_benefits") => &["statutory_benefit"],
        (_, "occupations" | "occupation_class_factors") => &["occupation"],
        _ => &["charges"],
    }
}

/// The built-in sentences, in every language.
fn built_in() -> &'static Wording {
    static WORDING: OnceLock<Wording> = OnceLock::new();
    WORDING.get_or_init(|| {
        Wording::from_sources(BTreeMap::from([
            (
                Language::En,
                include_str!("wording/criteria-en.ftl").to_owned(),
            ),
            (
                Language::Nl,
                include_str!("wording/criteria-nl.ftl").to_owned(),
            ),
            (
                Language::Fr,
                include_str!("wording/criteria-fr.ftl").to_owned(),
            ),
            (
                Language::De,
                include_str!("wording/criteria-de.ftl").to_owned(),
            ),
        ]))
        .expect("the built-in criteria compile")
    })
}

/// A sentence from the version's catalogue in the language where it words it, else the
/// built-in one.
struct Sentences<'a> {
    own: Option<Words<'a>>,
    built_in: Words<'static>,
}

impl Sentences<'_> {
    fn say(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.own
            .and_then(|w| w.try_text(id, args))
            .unwrap_or_else(|| self.built_in.text(id, args))
    }
}

/// A version's criteria, its acceptance rules given as `(reason code, figures)`.
fn criteria(
    version: &ModelVersion,
    wording: &Wording,
    language: Language,
    rules: &[(&'static str, Vec<(&'static str, Arg<'_>)>)],
    acceptance_tables: &[&str],
) -> SegmentationCriteria {
    let product = version.product;
    let say = Sentences {
        own: wording.words(language),
        built_in: built_in()
            .words(language)
            .expect("the built-in criteria speak every language"),
    };
    let name = |id: &str| say.say(&format!("criterion-{id}"), &[]);
    let table_criterion = |table: &str, explanation: String| {
        let records: Vec<_> = version
            .justifications
            .values()
            .filter(|j| factor_covers(&j.factor, table))
            .collect();
        let mut protected: Vec<&String> =
            records.iter().flat_map(|j| &j.protected_criteria).collect();
        protected.sort();
        protected.dedup();
        let criteria = rated_by(product, table);
        PriceCriterion {
            table: format!("{table}.csv"),
            criteria: criteria.to_vec(),
            criterion_names: criteria.iter().map(|c| name(c)).collect(),
            explanation,
            justifications: if records.is_empty() {
                vec![say.say("criteria-no-justification", &[])]
            } else {
                records
                    .iter()
                    .map(|j| {
                        let review = j.review_date.to_string();
                        say.say(
                            "criteria-justification",
                            &[
                                ("id", Arg::Text(&j.id)),
                                ("approver", Arg::Text(&j.approver)),
                                ("review_date", Arg::Text(&review)),
                                ("aim", Arg::Text(&j.aim)),
                                ("evidence", Arg::Text(&j.evidence)),
                            ],
                        )
                    })
                    .collect()
            },
            protected: protected
                .iter()
                .map(|code| {
                    let label = say.say(&format!("protected-{code}"), &[]);
                    say.say("criteria-protected", &[("criterion", Arg::Text(&label))])
                })
                .collect(),
        }
    };
    let price = RATED_TABLES
        .iter()
        .filter(|(p, _)| *p == product)
        .map(|(_, table)| {
            let explanation = say.say(&format!("criteria-price-{}-{table}", product.code()), &[]);
            table_criterion(table, explanation)
        })
        .collect();
    let acceptance_tables = acceptance_tables
        .iter()
        .map(|table| {
            let explanation = say.say(
                &format!("criteria-acceptance-{}-{table}", product.code()),
                &[],
            );
            table_criterion(table, explanation)
        })
        .collect();
    let acceptance = rules
        .iter()
        .map(|(code, args)| {
            let criterion = criterion_of_reason(code);
            AcceptanceRule {
                reason_code: code,
                criterion,
                criterion_name: name(criterion),
                text: say.say(&format!("rule-{code}"), args),
            }
        })
        .collect();
    let product_name = say.say(&format!("criteria-product-{}", product.code()), &[]);
    let effective_from = version.effective_from.to_string();
    SegmentationCriteria {
        product,
        model_version: version.id.clone(),
        language: language.code(),
        title: say.say("criteria-title", &[("product", Arg::Text(&product_name))]),
        introduction: vec![
            say.say(
                "criteria-version",
                &[
                    ("version", Arg::Text(&version.id)),
                    ("label", Arg::Text(&version.label)),
                    ("effective_from", Arg::Text(&effective_from)),
                ],
            ),
            say.say("criteria-law", &[]),
            say.say("criteria-recorded-language", &[]),
        ],
        price,
        acceptance_tables,
        acceptance,
        refusal: say.say("criteria-refusal", &[]),
        headings: [
            say.say("criteria-heading-price", &[]),
            say.say("criteria-heading-acceptance", &[]),
            say.say("criteria-heading-refusal", &[]),
        ],
    }
}

pub fn liability(book: &LiabilityRateBook, language: Language) -> SegmentationCriteria {
    let rules = &book.eligibility;
    let mut listed = vec![(
        "CLAIMS_HISTORY",
        vec![("claims", Arg::Count(rules.refer_claims_from))],
    )];
    // Beyond the last claims band the table rates, a quote is declined.
    if let Some(last) = book.experience_factors.iter().map(|b| b.max).max() {
        listed.push((
            "CLAIMS_BEYOND_RATING_TABLE",
            vec![("claims", Arg::Count(last))],
        ));
    }
    listed.push((
        "LARGE_TURNOVER",
        vec![("threshold", Arg::Amount(rules.refer_turnover_above))],
    ));
    listed.push(("NOT_RATED", Vec::new()));
    criteria(&book.version, &book.wording, language, &listed, &[])
}

pub fn income_protection(
    book: &IncomeProtectionRateBook,
    language: Language,
) -> SegmentationCriteria {
    let rules = &book.eligibility;
    let percent = (rules.max_benefit_to_income * Decimal::ONE_HUNDRED).normalize();
    let mut listed = vec![(
        "AGE_OUTSIDE_ELIGIBILITY",
        vec![
            ("min_age", Arg::Count(rules.min_age)),
            ("max_age", Arg::Count(rules.max_age)),
        ],
    )];
    // With the statutory benefits, the cap counts them; without, it is the share of income.
    if book.statutory.is_some() {
        listed.push((
            "BENEFIT_ABOVE_COMBINED_CAP",
            vec![("percent", Arg::Amount(percent))],
        ));
        listed.push((
            "STATUTORY_BENEFIT_ABOVE_INCOME_CAP",
            vec![("percent", Arg::Amount(percent))],
        ));
        listed.push(("FAMILY_SITUATION_ASSUMED", Vec::new()));
    } else {
        listed.push((
            "BENEFIT_ABOVE_INCOME_CAP",
            vec![("percent", Arg::Amount(percent))],
        ));
    }
    listed.extend([
        (
            "DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY",
            vec![("days", Arg::Count(rules.employee_min_deferred_days))],
        ),
        (
            "LARGE_BENEFIT",
            vec![("threshold", Arg::Amount(rules.refer_benefit_above))],
        ),
        (
            "CLAIMS_HISTORY",
            vec![("claims", Arg::Count(rules.refer_claims_from))],
        ),
        ("NOT_RATED", Vec::new()),
    ]);
    let acceptance_tables: &[&str] = if book.statutory.is_some() {
        &[super::book::table::STATUTORY_BENEFITS]
    } else {
        &[]
    };
    criteria(
        &book.version,
        &book.wording,
        language,
        &listed,
        acceptance_tables,
    )
}

/// The criteria of a published version.
pub fn of(book: &PublishedBook, language: Language) -> SegmentationCriteria {
    match book {
        PublishedBook::Liability(book) => liability(book, language),
        PublishedBook::IncomeProtection(book) => income_protection(book, language),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The criteria as a self-contained page: each criterion has an anchor (`#criterion-age`) that
/// a reason's `criterion` names.
pub fn html(criteria: &SegmentationCriteria) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.45}}\
         h2{{border-bottom:1px solid #999}}.table{{color:#555;font-size:.9em}}\
         .just{{font-size:.9em}}@media print{{body{{margin:0}}}}</style></head><body>\
         <h1>{}</h1>",
        criteria.language,
        escape(&criteria.title),
        escape(&criteria.title)
    );
    for line in &criteria.introduction {
        let _ = write!(page, "<p>{}</p>", escape(line));
    }
    // Each criterion's anchor on the first place that names it.
    let mut anchored = std::collections::BTreeSet::new();
    let mut anchors = |ids: &[&'static str]| -> String {
        ids.iter()
            .filter(|id| anchored.insert(**id))
            .map(|id| format!("<a id=\"criterion-{id}\"></a>"))
            .collect()
    };
    let _ = write!(page, "<h2>{}</h2>", escape(&criteria.headings[0]));
    // A table's section: the criteria it reads, its explanation and its justifications.
    let mut section = |page: &mut String, p: &PriceCriterion| {
        let _ = write!(
            page,
            "<section>{}<h3>{}</h3><p class=\"table\">{}</p><p>{}</p>",
            anchors(&p.criteria),
            escape(&p.criterion_names.join(", ")),
            escape(&p.table),
            escape(&p.explanation)
        );
        for j in p.justifications.iter().chain(&p.protected) {
            let _ = write!(page, "<p class=\"just\">{}</p>", escape(j));
        }
        page.push_str("</section>");
    };
    for p in &criteria.price {
        section(&mut page, p);
    }
    let _ = write!(page, "<h2>{}</h2>", escape(&criteria.headings[1]));
    for p in &criteria.acceptance_tables {
        section(&mut page, p);
    }
    page.push_str("<ul>");
    for r in &criteria.acceptance {
        let _ = write!(
            page,
            "<li id=\"rule-{}\">{}<strong>{}</strong>: {}</li>",
            escape(r.reason_code),
            anchors(&[r.criterion]),
            escape(&r.criterion_name),
            escape(&r.text)
        );
    }
    let _ = writeln!(
        page,
        "</ul><h2>{}</h2><p>{}</p></body></html>",
        escape(&criteria.headings[2]),
        escape(&criteria.refusal)
    );
    page
}
