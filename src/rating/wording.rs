//! A model version's wording: the sentences of reasons, worksheet steps and catalogue labels,
//! in each language the version speaks, from message catalogues kept beside its tables
//! (`messages-<language>.ftl`, in Project Fluent's syntax), so that the wording is versioned
//! with the figures and hashed into the version's id.
//!
//! Wording is applied to figures the engine has already computed: a language can change a
//! sentence, never an amount. Amounts are written with the language's decimal separator and
//! no grouping, so that they read as exactly the decimal the worksheet holds.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentError, FluentResource, FluentValue};
use fluent_syntax::ast;
use rust_decimal::Decimal;

use crate::domain::money::decimal_text;
use crate::domain::{Language, Product, Reason};

use super::book::Occupation;

type Bundle = FluentBundle<FluentResource>;

/// The messages every catalogue of a product must hold, with the variables each is given.
/// Labels of occupations (`occupation-<code>`) are required too, for the occupations the
/// version's table lists; and, for an income-protection version with statutory benefits, the
/// sentences of the combined cap.
pub fn required_messages(
    product: Product,
    statutory: bool,
) -> Vec<(String, &'static [&'static str])> {
    const SHARED: &[(&str, &[&str])] = &[
        ("step-minimum_premium", &[]),
        ("step-risk_premium", &[]),
        ("step-fixed_expense", &[]),
        ("step-loadings", &["commission", "other_expenses", "profit"]),
        ("step-office_premium", &[]),
        ("step-policy_fee", &[]),
        ("step-insurance_premium_tax", &[]),
    ];
    const LIABILITY: &[(&str, &[&str])] = &[
        ("reason-CLAIMS_BEYOND_RATING_TABLE", &["claims"]),
        ("reason-CLAIMS_HISTORY", &["claims"]),
        ("reason-LARGE_TURNOVER", &["threshold"]),
        ("reason-NOT_RATED", &["class", "work_setting"]),
        ("step-exposure", &["turnover"]),
        ("step-base_rate", &["occupation", "class"]),
        ("step-increased_limit_factor", &[]),
        ("step-deductible_factor", &[]),
        ("step-experience_factor", &["claims"]),
        ("step-risk_management_credit", &["credits", "cap"]),
    ];
    const INCOME_PROTECTION: &[(&str, &[&str])] = &[
        (
            "reason-AGE_OUTSIDE_ELIGIBILITY",
            &["min_age", "max_age", "age"],
        ),
        (
            "reason-BENEFIT_ABOVE_INCOME_CAP",
            &["benefit", "percent", "cap"],
        ),
        ("reason-DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY", &["days"]),
        ("reason-LARGE_BENEFIT", &["threshold"]),
        ("reason-CLAIMS_HISTORY", &["claims"]),
        ("reason-NOT_RATED", &["age", "class"]),
        ("step-benefit_units", &["benefit"]),
        ("step-base_rate", &["age"]),
        ("step-occupation_class_factor", &["class", "occupation"]),
        ("step-smoker_factor", &[]),
    ];
    const STATUTORY: &[(&str, &[&str])] = &[
        (
            "reason-BENEFIT_ABOVE_COMBINED_CAP",
            &["benefit", "statutory", "percent", "cap", "room"],
        ),
        (
            "reason-STATUTORY_BENEFIT_ABOVE_INCOME_CAP",
            &["statutory", "percent", "cap"],
        ),
        ("reason-STATUTORY_BENEFIT_UNKNOWN", &["date"]),
        ("reason-FAMILY_SITUATION_ASSUMED", &["family", "statutory"]),
        (
            "step-statutory_benefit",
            &["statutory", "family", "percent", "cap"],
        ),
        ("deferred-statutory-self_employed", &["days", "qualifying"]),
        ("deferred-statutory-employee", &["days", "qualifying"]),
    ];
    let statutory: &[(&str, &[&str])] = if statutory && product == Product::IncomeProtection {
        STATUTORY
    } else {
        &[]
    };
    let (own, labels): (&[(&str, &[&str])], Vec<String>) = match product {
        Product::Liability => (
            LIABILITY,
            crate::domain::WorkSetting::ALL
                .iter()
                .map(|s| label_id("work-setting", s.code()))
                .chain(
                    crate::domain::RiskMeasure::ALL
                        .iter()
                        .map(|m| label_id("risk-measure", m.code())),
                )
                .collect(),
        ),
        Product::IncomeProtection => (
            INCOME_PROTECTION,
            crate::domain::BenefitPeriod::ALL
                .iter()
                .map(|p| label_id("benefit-period", p.code()))
                .chain(
                    crate::domain::FamilySituation::ALL
                        .iter()
                        .filter(|_| !statutory.is_empty())
                        .map(|f| label_id("family-situation", f.code())),
                )
                .collect(),
        ),
    };
    own.iter()
        .chain(statutory)
        .chain(SHARED)
        .map(|(id, variables)| ((*id).to_owned(), *variables))
        .chain(labels.into_iter().map(|id| (id, &[][..])))
        .collect()
}

fn label_id(kind: &str, code: &str) -> String {
    format!("{kind}-{code}")
}

/// A piece of a plain message: text, or the figure of a variable.
#[derive(Debug)]
enum Piece {
    Text(String),
    Variable(String),
}

/// The messages of one catalogue made only of text and variables (no selector, function or
/// reference), by id: most of a worksheet's sentences. They are written piece by piece, without
/// Fluent's resolver and its arguments, which took half of pricing a quote with its worksheet;
/// the text is the resolver's, as a test checks for every message of every catalogue.
type PlainMessages = rustc_hash::FxHashMap<String, Vec<Piece>>;

/// The pieces of a message, if it is plain. Fluent stops writing a pattern past 100 placeables;
/// such a pattern is left to it.
fn plain_pieces(pattern: &ast::Pattern<&str>) -> Option<Vec<Piece>> {
    const MOST_PLACEABLES: usize = 100;
    let mut placeables = 0;
    pattern
        .elements
        .iter()
        .map(|element| match element {
            ast::PatternElement::TextElement { value } => Some(Piece::Text((*value).to_owned())),
            ast::PatternElement::Placeable {
                expression: ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
            } => {
                placeables += 1;
                (placeables <= MOST_PLACEABLES).then(|| Piece::Variable(id.name.to_owned()))
            }
            ast::PatternElement::Placeable { .. } => None,
        })
        .collect()
}

fn plain_messages(resource: &FluentResource) -> PlainMessages {
    resource
        .entries()
        .filter_map(|entry| match entry {
            ast::Entry::Message(ast::Message {
                id,
                value: Some(pattern),
                ..
            }) => Some((id.name.to_owned(), plain_pieces(pattern)?)),
            _ => None,
        })
        .collect()
}

/// One language's catalogue: Fluent's bundle, and its plain messages read from the same text.
struct Catalogue {
    bundle: Bundle,
    plain: PlainMessages,
}

/// The wording of one version, in every language it speaks.
pub struct Wording {
    catalogues: BTreeMap<Language, Catalogue>,
    /// The catalogues' text, by language: two wordings are equal when their text is.
    sources: BTreeMap<Language, String>,
}

/// Where a catalogue cannot be read: a line (1-based) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueFault {
    pub language: Language,
    pub line: Option<usize>,
    pub message_id: Option<String>,
    pub message: String,
}

impl Wording {
    /// Compiles catalogues given as Fluent text, by language; every fault, not only the first.
    pub fn from_sources(
        sources: BTreeMap<Language, String>,
    ) -> Result<Wording, Vec<CatalogueFault>> {
        let mut faults = Vec::new();
        let mut catalogues = BTreeMap::new();
        for (language, text) in &sources {
            let resource = match FluentResource::try_new(text.clone()) {
                Ok(resource) => resource,
                Err((_, errors)) => {
                    faults.extend(errors.into_iter().map(|e| CatalogueFault {
                        language: *language,
                        // The line where the faulty message starts, where an actuary looks for it.
                        line: Some(line_of(
                            text.as_bytes(),
                            e.slice.as_ref().map_or(e.pos.start, |s| s.start),
                        )),
                        message_id: None,
                        message: format!("cannot be read as a Fluent message: {}", e.kind),
                    }));
                    continue;
                }
            };
            let tag: unic_langid::LanguageIdentifier = language
                .code()
                .parse()
                .expect("the four language codes are valid tags");
            let plain = plain_messages(&resource);
            let mut bundle = Bundle::new_concurrent(vec![tag]);
            // The sentences are stored and compared byte for byte: no invisible isolation marks.
            bundle.set_use_isolating(false);
            if let Err(errors) = bundle.add_resource(resource) {
                faults.extend(errors.into_iter().map(|e| CatalogueFault {
                    language: *language,
                    line: None,
                    message_id: match &e {
                        FluentError::Overriding { id, .. } => Some(id.clone()),
                        _ => None,
                    },
                    message: match e {
                        FluentError::Overriding { .. } => "the message is defined twice".into(),
                        other => other.to_string(),
                    },
                }));
            }
            catalogues.insert(*language, Catalogue { bundle, plain });
        }
        if faults.is_empty() {
            Ok(Wording {
                catalogues,
                sources,
            })
        } else {
            Err(faults)
        }
    }

    /// The English wording of versions published before catalogues were kept in versions:
    /// their quotes were worded by the service itself, and this is that wording, frozen, so
    /// that they replay to the same sentences. Never edit these files.
    pub fn built_in(product: Product) -> Arc<Wording> {
        static LIABILITY: OnceLock<Arc<Wording>> = OnceLock::new();
        static INCOME_PROTECTION: OnceLock<Arc<Wording>> = OnceLock::new();
        let (cell, text) = match product {
            Product::Liability => (&LIABILITY, include_str!("wording/built-in-liability.ftl")),
            Product::IncomeProtection => (
                &INCOME_PROTECTION,
                include_str!("wording/built-in-income-protection.ftl"),
            ),
        };
        cell.get_or_init(|| {
            Arc::new(
                Wording::from_sources(BTreeMap::from([(Language::En, text.to_owned())]))
                    .expect("the built-in wording compiles"),
            )
        })
        .clone()
    }

    /// The languages this wording speaks, in order.
    pub fn languages(&self) -> Vec<Language> {
        self.catalogues.keys().copied().collect()
    }

    /// The wording in one language; `None` when the version does not speak it.
    pub fn words(&self, language: Language) -> Option<Words<'_>> {
        self.catalogues.get(&language).map(|catalogue| Words {
            bundle: &catalogue.bundle,
            plain: &catalogue.plain,
            language,
        })
    }

    /// Every fault of one language against what the engine will ask of it: a required message
    /// missing, or one that cannot be formatted with the variables it is given (a misspelt
    /// variable, a reference to a message that does not exist).
    pub fn check(
        &self,
        required: &[(String, &'static [&'static str])],
        occupations: &[&str],
    ) -> Vec<CatalogueFault> {
        let mut faults = Vec::new();
        let labels: Vec<(String, &'static [&'static str])> = occupations
            .iter()
            .map(|code| (label_id("occupation", code), &[][..]))
            .collect();
        for (language, Catalogue { bundle, .. }) in &self.catalogues {
            for (id, variables) in required.iter().chain(&labels) {
                let fault = |message: String| CatalogueFault {
                    language: *language,
                    line: None,
                    message_id: Some(id.clone()),
                    message,
                };
                let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                    faults.push(fault("the message is missing".into()));
                    continue;
                };
                let mut args = FluentArgs::new();
                for name in *variables {
                    args.set(*name, FluentValue::from(2));
                }
                let mut errors = Vec::new();
                bundle.format_pattern(pattern, Some(&args), &mut errors);
                faults.extend(errors.into_iter().map(|e| fault(explain(&e, variables))));
            }
        }
        faults
    }
}

/// A formatting fault in a translator's words.
fn explain(error: &FluentError, variables: &[&str]) -> String {
    use fluent_bundle::resolver::{ResolverError, errors::ReferenceKind};
    let given = || {
        if variables.is_empty() {
            "it is given none".to_owned()
        } else {
            let names: Vec<String> = variables.iter().map(|v| format!("${v}")).collect();
            format!("it is given {}", names.join(", "))
        }
    };
    match error {
        FluentError::ResolverError(ResolverError::Reference(ReferenceKind::Variable { id })) => {
            format!(
                "uses the variable ${id}, which this message is not given; {}",
                given()
            )
        }
        FluentError::ResolverError(ResolverError::Reference(
            ReferenceKind::Message { id, .. } | ReferenceKind::Term { id, .. },
        )) => format!("refers to `{id}`, which the catalogue does not define"),
        other => other.to_string(),
    }
}

impl std::fmt::Debug for Wording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wording")
            .field("languages", &self.languages())
            .finish()
    }
}

impl PartialEq for Wording {
    fn eq(&self, other: &Self) -> bool {
        self.sources == other.sources
    }
}

/// The line (1-based) a byte offset is on.
pub(crate) fn line_of(text: &[u8], byte: usize) -> usize {
    text[..byte.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A figure a sentence states.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// A whole number, which a catalogue may use to choose a plural.
    Count(u32),
    /// An exact decimal (an amount, a rate, a factor), written with the language's separator.
    Amount(Decimal),
    /// A code or a label, as it is.
    Text(&'a str),
    /// A code a sentence writes by its label in the language, and a program reads as the code.
    Label { code: &'a str, label: &'a str },
}

impl Arg<'_> {
    /// The one spelling of the figure for programs, whatever the language.
    fn canonical(&self) -> String {
        match self {
            Arg::Count(n) => n.to_string(),
            Arg::Amount(d) => decimal_text(*d),
            Arg::Text(t) | Arg::Label { code: t, .. } => (*t).to_owned(),
        }
    }

    /// The figure as a sentence spells it: an amount with the language's decimal separator.
    fn spelled(&self, language: Language) -> std::borrow::Cow<'_, str> {
        match self {
            Arg::Count(n) => n.to_string().into(),
            Arg::Amount(d) => {
                let text = decimal_text(*d);
                match language.decimal_separator() {
                    '.' => text,
                    separator => text.replace('.', &separator.to_string()),
                }
                .into()
            }
            Arg::Text(t) | Arg::Label { label: t, .. } => (*t).into(),
        }
    }

    /// The figure as Fluent is given it: a count as a number, so that it can choose a plural.
    fn value(&self, language: Language) -> FluentValue<'static> {
        match self {
            Arg::Count(n) => FluentValue::from(*n),
            other => FluentValue::from(other.spelled(language).into_owned()),
        }
    }
}

/// A version's wording in one language: what the engine writes its sentences with.
#[derive(Clone, Copy)]
pub struct Words<'a> {
    bundle: &'a Bundle,
    plain: &'a PlainMessages,
    language: Language,
}

impl Words<'_> {
    pub fn language(&self) -> Language {
        self.language
    }

    /// The sentence of a message with its figures. A message a checked catalogue lacks cannot
    /// be asked for; were it asked, the id is written in `⟦ ⟧` rather than failing the quote.
    pub fn text(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.lookup(id, args).unwrap_or_else(|| format!("⟦{id}⟧"))
    }

    /// The sentence, when this catalogue has the message.
    pub fn try_text(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        self.lookup(id, args)
    }

    fn lookup(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        if let Some(text) = self
            .plain
            .get(id)
            .and_then(|pieces| self.write_plain(pieces, args))
        {
            return Some(text);
        }
        self.resolve(id, args)
    }

    /// The sentence as Fluent's resolver writes it.
    fn resolve(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        let pattern = self.bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, arg) in args {
            fluent_args.set(*name, arg.value(self.language));
        }
        let mut errors = Vec::new();
        Some(
            self.bundle
                .format_pattern(pattern, Some(&fluent_args), &mut errors)
                .into_owned(),
        )
    }

    /// A plain message's sentence; `None` when a variable it uses is not given, which Fluent
    /// writes its own way (`{$name}`).
    fn write_plain(&self, pieces: &[Piece], args: &[(&str, Arg<'_>)]) -> Option<String> {
        let mut text = String::with_capacity(96);
        for piece in pieces {
            match piece {
                Piece::Text(t) => text.push_str(t),
                Piece::Variable(name) => text.push_str(
                    &args
                        .iter()
                        .find(|(given, _)| given == name)?
                        .1
                        .spelled(self.language),
                ),
            }
        }
        Some(text)
    }

    /// A reason with its sentence and its figures as data.
    pub fn reason(&self, code: &'static str, args: &[(&'static str, Arg<'_>)]) -> Reason {
        Reason {
            code,
            message: self.text(&format!("reason-{code}"), args),
            parameters: args
                .iter()
                .map(|(name, arg)| (*name, arg.canonical()))
                .collect(),
            criterion: super::criteria::criterion_of_reason(code),
        }
    }

    /// The label of a code (`work-setting`, `venue`); `None` when the catalogue has none.
    pub fn label(&self, kind: &str, code: &str) -> Option<String> {
        self.lookup(&label_id(kind, code), &[])
    }

    /// An occupation's name: the catalogue's, or the table's where the version has no
    /// catalogue of its own (the built-in wording names no occupation).
    pub fn occupation(&self, occupation: &Occupation) -> String {
        self.label("occupation", &occupation.code)
            .unwrap_or_else(|| occupation.label.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn wording(language: Language, text: &str) -> Result<Wording, Vec<CatalogueFault>> {
        Wording::from_sources(BTreeMap::from([(language, text.to_owned())]))
    }

    #[test]
    fn amounts_take_the_languages_separator_and_parameters_do_not() {
        let w = wording(
            Language::Fr,
            "reason-LARGE_TURNOVER = au-delà de { $threshold } EUR",
        )
        .unwrap();
        let reason = w.words(Language::Fr).unwrap().reason(
            "LARGE_TURNOVER",
            &[("threshold", Arg::Amount(dec!(150000.50)))],
        );
        assert_eq!(reason.message, "au-delà de 150000,50 EUR");
        assert_eq!(
            reason.parameters,
            vec![("threshold", "150000.50".to_owned())]
        );
    }

    /// Every plain message of every catalogue the service ships (the default models', the
    /// built-in wording and the criteria's), in each language, with figures of each kind: the
    /// sentence written piece by piece is the resolver's, character for character.
    #[test]
    fn a_plain_message_reads_as_fluent_writes_it() {
        let mut catalogues: Vec<(Language, String)> = Vec::new();
        for product in ["liability", "income_protection"] {
            for language in [Language::En, Language::Nl, Language::Fr, Language::De] {
                let path = format!(
                    "{}/models/{product}/messages-{}.ftl",
                    env!("CARGO_MANIFEST_DIR"),
                    language.code()
                );
                catalogues.push((language, std::fs::read_to_string(path).unwrap()));
            }
        }
        for (language, text) in [
            (Language::En, include_str!("wording/built-in-liability.ftl")),
            (
                Language::En,
                include_str!("wording/built-in-income-protection.ftl"),
            ),
            (Language::En, include_str!("wording/criteria-en.ftl")),
            (Language::Nl, include_str!("wording/criteria-nl.ftl")),
            (Language::Fr, include_str!("wording/criteria-fr.ftl")),
            (Language::De, include_str!("wording/criteria-de.ftl")),
        ] {
            catalogues.push((language, text.to_owned()));
        }
        let figures = [
            Arg::Count(0),
            Arg::Count(1),
            Arg::Count(1_000_000),
            Arg::Amount(dec!(150000.50)),
            Arg::Amount(dec!(-0.05)),
            Arg::Amount(dec!(0.000001)),
            Arg::Text("café-bar"),
            Arg::Label {
                code: "PRIVATE_PRACTICE",
                label: "praktijk aan huis",
            },
        ];
        let mut checked = 0;
        for (language, text) in catalogues {
            let w = wording(language, &text).unwrap();
            let words = w.words(language).unwrap();
            for (id, pieces) in words.plain {
                let names: Vec<&str> = pieces
                    .iter()
                    .filter_map(|p| match p {
                        Piece::Variable(name) => Some(name.as_str()),
                        Piece::Text(_) => None,
                    })
                    .collect();
                for figure in figures {
                    let args: Vec<(&str, Arg<'_>)> =
                        names.iter().map(|name| (*name, figure)).collect();
                    assert_eq!(
                        words.write_plain(pieces, &args),
                        words.resolve(id, &args),
                        "{id} in {language:?}"
                    );
                    checked += 1;
                }
                if let Some(missing) = names.first() {
                    let args: Vec<(&str, Arg<'_>)> = names
                        .iter()
                        .filter(|name| *name != missing)
                        .map(|name| (*name, Arg::Count(2)))
                        .collect();
                    assert_eq!(words.write_plain(pieces, &args), None);
                    assert_eq!(words.text(id, &args), words.resolve(id, &args).unwrap());
                }
            }
        }
        // Most sentences are plain; those that choose a plural are left to the resolver.
        assert!(checked > 8 * 100, "{checked}");
        let w = wording(
            Language::En,
            "plural = { $claims ->\n    [one] one claim\n   *[other] { $claims } claims\n}\nplain = { $claims } claims",
        )
        .unwrap();
        let words = w.words(Language::En).unwrap();
        assert!(!words.plain.contains_key("plural") && words.plain.contains_key("plain"));
    }

    #[test]
    fn a_count_chooses_the_plural() {
        let w = wording(
            Language::En,
            "step-experience_factor = { $claims ->\n    [one] one claim\n   *[other] { $claims } claims\n}",
        )
        .unwrap();
        let words = w.words(Language::En).unwrap();
        let say = |n| words.text("step-experience_factor", &[("claims", Arg::Count(n))]);
        assert_eq!(say(1), "one claim");
        assert_eq!(say(3), "3 claims");
    }

    #[test]
    fn faults_name_the_line_and_the_message() {
        let faults = wording(Language::Nl, "a = goed\nb = { $x\n").unwrap_err();
        assert_eq!(faults[0].line, Some(2), "{faults:?}");
        let w = wording(Language::De, "step-policy_fee = { $fee } Gebühr").unwrap();
        let faults = w.check(
            &[
                ("step-policy_fee".into(), &[]),
                ("step-risk_premium".into(), &[]),
            ],
            &[],
        );
        assert_eq!(faults.len(), 2, "{faults:?}");
        assert!(faults[0].message.contains("fee"), "{faults:?}");
        assert_eq!(faults[1].message, "the message is missing");
    }

    #[test]
    fn the_built_in_wording_holds_every_message_but_occupations() {
        for product in Product::ALL {
            let w = Wording::built_in(product);
            assert_eq!(w.languages(), vec![Language::En]);
            assert_eq!(
                w.check(&required_messages(product, false), &[]),
                vec![],
                "{product:?}"
            );
        }
    }
}
