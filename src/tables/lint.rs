//! The protected-criteria lint: what a table may rate under Belgium's anti-discrimination acts of
//! 10 May 2007, in three tiers.
//!
//! - **Never**: sex (with pregnancy, childbirth, maternity and sex change; Test-Achats,
//!   C-236/09), so-called race, skin colour, descent, national or ethnic origin, nationality,
//!   religious or philosophical belief, political belief, trade-union belief, sexual
//!   orientation, language, social origin, birth, physical or genetic characteristic. HIV status
//!   is here too, though the act puts health in the tier below: this project never rates it.
//! - **Only with a justification**: age, state of health (smoking included), disability, civil
//!   or family situation, wealth or income. A table may rate one only if a justification record
//!   for it declares the criterion (`protected_criterion`), with its aim and its evidence.
//! - Everything else is not a criterion.
//!
//! A column name or a key cell is matched word by word, in English, French, Dutch and German,
//! after Unicode normalisation (NFKD) and accent folding, so `nationalité`, `Staatsangehörigkeit`
//! and `GESLACHT` are found, and `trace` is not `race`.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// May never be a rating factor.
    Never,
    /// May be one only under a justification record that declares it.
    Justified,
}

/// One of the act's criteria, and the words that name it.
#[derive(Debug)]
pub struct Criterion {
    /// The code a justification record declares (`protected_criterion`), for the justified tier.
    pub code: &'static str,
    /// How the act names it.
    pub label: &'static str,
    pub tier: Tier,
    /// Whole words, folded (lower case, no accents), in English, French, Dutch and German; a
    /// phrase of two words where one alone would name something else (`civil` liability).
    words: &'static [&'static str],
}

pub const CRITERIA: &[Criterion] = &[
    Criterion {
        code: "sex",
        label: "sex (with pregnancy, childbirth, maternity and sex change)",
        tier: Tier::Never,
        words: &[
            "sex",
            "gender",
            "pregnancy",
            "pregnant",
            "maternity",
            "childbirth",
            "transgender",
            "sexe",
            "genre",
            "grossesse",
            "enceinte",
            "maternite",
            "accouchement",
            "geslacht",
            "zwangerschap",
            "zwanger",
            "moederschap",
            "bevalling",
            "geschlecht",
            "schwangerschaft",
            "schwanger",
            "mutterschaft",
            "entbindung",
        ],
    },
    Criterion {
        code: "race_or_origin",
        label: "so-called race, skin colour, descent, national or ethnic origin",
        tier: Tier::Never,
        words: &[
            "race",
            "racial",
            "ethnicity",
            "ethnic",
            "colour",
            "color",
            "skin",
            "descent",
            "ancestry",
            "origin",
            "ethnie",
            "ethnique",
            "couleur",
            "peau",
            "ascendance",
            "origine",
            "ras",
            "etniciteit",
            "etnisch",
            "etnische",
            "huidskleur",
            "afkomst",
            "afstamming",
            "herkomst",
            "rasse",
            "ethnisch",
            "hautfarbe",
            "abstammung",
            "herkunft",
        ],
    },
    Criterion {
        code: "nationality",
        label: "nationality",
        tier: Tier::Never,
        words: &[
            "nationality",
            "nationalities",
            "citizenship",
            "nationalite",
            "citoyennete",
            "nationaliteit",
            "staatsburgerschap",
            "staatsangehorigkeit",
            "nationalitat",
            "staatsburgerschaft",
        ],
    },
    Criterion {
        code: "belief",
        label: "religious or philosophical belief",
        tier: Tier::Never,
        words: &[
            "religion",
            "religious",
            "belief",
            "faith",
            "philosophical",
            "religieux",
            "religieuse",
            "croyance",
            "conviction",
            "philosophique",
            "godsdienst",
            "religie",
            "geloof",
            "levensbeschouwing",
            "overtuiging",
            "glaube",
            "weltanschauung",
            "konfession",
            "bekenntnis",
        ],
    },
    Criterion {
        code: "political_belief",
        label: "political belief",
        tier: Tier::Never,
        words: &[
            "political",
            "politics",
            "politique",
            "politiek",
            "politieke",
            "politisch",
            "politische",
        ],
    },
    Criterion {
        code: "union_belief",
        label: "trade-union belief",
        tier: Tier::Never,
        words: &[
            "union",
            "unionist",
            "syndical",
            "syndicale",
            "syndicat",
            "vakbond",
            "syndicaal",
            "gewerkschaft",
        ],
    },
    Criterion {
        code: "sexual_orientation",
        label: "sexual orientation",
        tier: Tier::Never,
        words: &[
            "orientation",
            "sexuality",
            "sexual",
            "gay",
            "lesbian",
            "homosexual",
            "bisexual",
            "lgbt",
            "lgbtq",
            "sexualite",
            "sexuelle",
            "homosexuel",
            "geaardheid",
            "seksuele",
            "seksualiteit",
            "homoseksueel",
            "orientierung",
            "sexualitat",
            "homosexuell",
        ],
    },
    Criterion {
        code: "language",
        label: "language",
        tier: Tier::Never,
        words: &[
            "language",
            "tongue",
            "langue",
            "langage",
            "taal",
            "moedertaal",
            "sprache",
            "muttersprache",
        ],
    },
    Criterion {
        code: "social_origin",
        label: "social origin",
        tier: Tier::Never,
        words: &[
            "social origin",
            "origine sociale",
            "sociale afkomst",
            "soziale herkunft",
            "caste",
        ],
    },
    Criterion {
        code: "birth",
        label: "birth",
        tier: Tier::Never,
        words: &[
            "birth",
            "birthplace",
            "birthdate",
            "naissance",
            "geboorte",
            "geburt",
        ],
    },
    Criterion {
        code: "genetic",
        label: "physical or genetic characteristic",
        tier: Tier::Never,
        words: &[
            "genetic",
            "gene",
            "genes",
            "dna",
            "genome",
            "genetique",
            "genetisch",
            "genetische",
        ],
    },
    Criterion {
        code: "hiv",
        label: "HIV status (never, by this project's rule)",
        tier: Tier::Never,
        words: &["hiv", "vih", "aids", "sida"],
    },
    Criterion {
        code: "age",
        label: "age",
        tier: Tier::Justified,
        words: &["age", "ages", "aged", "leeftijd", "alter"],
    },
    Criterion {
        code: "health",
        label: "state of health (smoking included)",
        tier: Tier::Justified,
        words: &[
            "health",
            "medical",
            "illness",
            "disease",
            "sickness",
            "smoker",
            "smokers",
            "smoking",
            "tobacco",
            "bmi",
            "sante",
            "maladie",
            "medicale",
            "fumeur",
            "tabac",
            "gezondheid",
            "ziekte",
            "medisch",
            "roker",
            "roken",
            "tabak",
            "gesundheit",
            "krankheit",
            "medizinisch",
            "raucher",
            "rauchen",
        ],
    },
    Criterion {
        code: "disability",
        label: "disability",
        tier: Tier::Justified,
        words: &[
            "disability",
            "disabled",
            "handicap",
            "impairment",
            "invalidite",
            "beperking",
            "invaliditeit",
            "behinderung",
        ],
    },
    Criterion {
        code: "civil_status",
        label: "civil or family situation",
        tier: Tier::Justified,
        words: &[
            "marital",
            "married",
            "civil status",
            "etat civil",
            "burgerlijke staat",
            "family",
            "dependants",
            "dependents",
            "cohabiting",
            "spouse",
            "children",
            "famille",
            "familiale",
            "marie",
            "cohabitant",
            "enfants",
            "burgerlijke",
            "gezin",
            "gezinssituatie",
            "samenwonend",
            "gehuwd",
            "kinderen",
            "familienstand",
            "familie",
            "verheiratet",
            "kinder",
        ],
    },
    Criterion {
        code: "wealth",
        label: "wealth or income",
        tier: Tier::Justified,
        words: &[
            "wealth",
            "income",
            "incomes",
            "fortune",
            "assets",
            "salary",
            "earnings",
            "patrimoine",
            "revenu",
            "revenus",
            "salaire",
            "vermogen",
            "inkomen",
            "loon",
            "einkommen",
            "gehalt",
        ],
    },
];

/// The words of a name, folded: split at anything but a letter or digit and where a lower-case
/// letter meets an upper-case one, decomposed (NFKD), stripped of accents, in lower case.
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The criterion a name refers to, if any: the first of its two-word phrases, else of its
/// words, that names one.
pub fn criterion(name: &str) -> Option<&'static Criterion> {
    let words = words(name);
    let named = |term: &str| CRITERIA.iter().find(|c| c.words.contains(&term));
    words
        .windows(2)
        .find_map(|pair| named(&format!("{} {}", pair[0], pair[1])))
        .or_else(|| words.iter().find_map(|word| named(word)))
}

/// The criterion of a code, as a justification record declares it.
pub fn by_code(code: &str) -> Option<&'static Criterion> {
    CRITERIA.iter().find(|c| c.code == code)
}

/// The codes a justification record may declare, for a message.
pub fn justifiable_codes() -> String {
    CRITERIA
        .iter()
        .filter(|c| c.tier == Tier::Justified)
        .map(|c| c.code)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(name: &str) -> Option<&'static str> {
        criterion(name).map(|c| c.code)
    }

    #[test]
    fn words_are_folded_and_whole() {
        assert_eq!(words("nationalité_Factor"), ["nationalite", "factor"]);
        assert_eq!(words("ageBand"), ["age", "band"]);
        assert_eq!(words("Staatsangehörigkeit"), ["staatsangehorigkeit"]);
        // "trace" contains "race" but is not the word; an occupation code is no criterion.
        assert_eq!(code("trace_id"), None);
        assert_eq!(code("massage_therapist"), None);
        assert_eq!(code("base_rate"), None);
        assert_eq!(code("occupation_class"), None);
        assert_eq!(code("third_party"), None);
        assert_eq!(code("civil_liability_limit"), None);
        assert_eq!(code("responsabilité civile"), None);
    }

    #[test]
    fn each_tier_is_found_in_four_languages_accented_or_not() {
        for (name, expected, tier) in [
            ("gender_factor", "sex", Tier::Never),
            ("sexe", "sex", Tier::Never),
            ("geslacht", "sex", Tier::Never),
            ("Geschlecht", "sex", Tier::Never),
            ("nationality", "nationality", Tier::Never),
            ("nationalité", "nationality", Tier::Never),
            ("nationalite", "nationality", Tier::Never),
            ("nationaliteit", "nationality", Tier::Never),
            ("Staatsangehörigkeit", "nationality", Tier::Never),
            ("godsdienst", "belief", Tier::Never),
            ("religion", "belief", Tier::Never),
            ("taal", "language", Tier::Never),
            ("langue", "language", Tier::Never),
            ("Sprache", "language", Tier::Never),
            ("ethnic origin", "race_or_origin", Tier::Never),
            ("social_origin", "social_origin", Tier::Never),
            ("HIV status", "hiv", Tier::Never),
            ("age_min", "age", Tier::Justified),
            ("âge", "age", Tier::Justified),
            ("leeftijd", "age", Tier::Justified),
            ("Alter", "age", Tier::Justified),
            ("smoker", "health", Tier::Justified),
            ("fumeur", "health", Tier::Justified),
            ("roker", "health", Tier::Justified),
            ("Raucher", "health", Tier::Justified),
            ("santé", "health", Tier::Justified),
            ("handicap", "disability", Tier::Justified),
            ("Behinderung", "disability", Tier::Justified),
            ("état civil", "civil_status", Tier::Justified),
            ("gezinssituatie", "civil_status", Tier::Justified),
            ("Familienstand", "civil_status", Tier::Justified),
            ("max_benefit_to_income", "wealth", Tier::Justified),
            ("revenu", "wealth", Tier::Justified),
            ("inkomen", "wealth", Tier::Justified),
            ("Vermögen", "wealth", Tier::Justified),
        ] {
            let found = criterion(name).unwrap_or_else(|| panic!("{name} not found"));
            assert_eq!((found.code, found.tier), (expected, tier), "{name}");
        }
    }
}
