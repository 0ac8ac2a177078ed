//! The prohibited-factor lint: no table may rate a protected attribute.
//!
//! Sex or gender (Test-Achats, C-236/09), pregnancy or maternity (Directive 2004/113), ethnicity,
//! nationality, religion, sexual orientation, and health or HIV status. A column or a key that
//! names one of them is rejected at validation, so such a table can never go live.

/// Words that name a protected attribute, matched as whole words of a snake_case or spaced name.
const PROTECTED_WORDS: &[(&str, &str)] = &[
    ("sex", "sex"),
    ("gender", "gender"),
    ("pregnancy", "pregnancy"),
    ("pregnant", "pregnancy"),
    ("maternity", "maternity"),
    ("ethnicity", "ethnicity"),
    ("ethnic", "ethnicity"),
    ("race", "ethnicity"),
    ("nationality", "nationality"),
    ("citizenship", "nationality"),
    ("religion", "religion"),
    ("religious", "religion"),
    ("orientation", "sexual orientation"),
    ("sexuality", "sexual orientation"),
    ("health", "health status"),
    ("hiv", "HIV status"),
];

/// The protected attribute a name refers to, if any.
pub fn protected_attribute(name: &str) -> Option<&'static str> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .find_map(|word| {
            let word = word.to_ascii_lowercase();
            PROTECTED_WORDS
                .iter()
                .find(|(w, _)| *w == word)
                .map(|(_, attribute)| *attribute)
        })
}

#[cfg(test)]
mod tests {
    use super::protected_attribute;

    #[test]
    fn finds_whole_words_only() {
        assert_eq!(protected_attribute("gender_factor"), Some("gender"));
        assert_eq!(protected_attribute("HIV status"), Some("HIV status"));
        assert_eq!(protected_attribute("nationality"), Some("nationality"));
        assert_eq!(protected_attribute("base_rate"), None);
        // "trace" contains "race" but is not the word.
        assert_eq!(protected_attribute("trace_id"), None);
        assert_eq!(protected_attribute("massage_therapist"), None);
    }
}
