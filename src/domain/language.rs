//! The languages a quote can be worded in: Belgium's three official languages and English.

/// The language of a quote's reasons, worksheet descriptions and catalogue labels. It never
/// changes a figure: the wording is applied to amounts the engine has already computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    #[default]
    En,
    Nl,
    Fr,
    De,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::En, Language::Nl, Language::Fr, Language::De];

    /// The ISO 639-1 code, as requests and message catalogue files name it.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Nl => "nl",
            Language::Fr => "fr",
            Language::De => "de",
        }
    }

    /// `en`, `nl`, `fr` or `de`, in any case, optionally with a region (`nl-BE`, `fr-BE`):
    /// the wording is the same for every region.
    pub fn parse(tag: &str) -> Option<Language> {
        let (primary, region) = match tag.split_once(['-', '_']) {
            Some((primary, region)) => (primary, Some(region)),
            None => (tag, None),
        };
        if region.is_some_and(|r| r.len() != 2 || !r.bytes().all(|b| b.is_ascii_alphabetic())) {
            return None;
        }
        Language::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The decimal separator this language writes amounts with.
    pub fn decimal_separator(self) -> char {
        match self {
            Language::En => '.',
            Language::Nl | Language::Fr | Language::De => ',',
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_as_bcp_47_primary_languages() {
        assert_eq!(Language::parse("fr"), Some(Language::Fr));
        assert_eq!(Language::parse("NL-be"), Some(Language::Nl));
        assert_eq!(Language::parse("de_BE"), Some(Language::De));
        for refused in ["", "es", "fr-", "fr-BEL", "french", "f", "en-1"] {
            assert_eq!(Language::parse(refused), None, "{refused}");
        }
    }
}
