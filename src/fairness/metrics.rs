//! Outcome metrics by group, as fairlearn defines them: the selection (acceptance) rate of each
//! group, the demographic parity difference (max − min) and ratio (min / max), and the
//! four-fifths rule (29 CFR 1607.4(D)) that flags a ratio below 0.8.

use std::collections::BTreeMap;

use serde::Serialize;

/// The four-fifths rule's threshold.
pub const FOUR_FIFTHS: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRate {
    pub group: String,
    pub members: u64,
    pub selected: u64,
    pub rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemographicParity {
    pub groups: Vec<GroupRate>,
    /// max − min of the group rates.
    pub difference: f64,
    /// min / max of the group rates (1 when every rate is 0).
    pub ratio: f64,
    /// The ratio is below four fifths.
    pub four_fifths_flag: bool,
}

/// The selection rate of each group, from (group, selected) observations.
pub fn selection_rates<'a>(
    observations: impl IntoIterator<Item = (&'a str, bool)>,
) -> Vec<GroupRate> {
    let mut counts: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (group, selected) in observations {
        let entry = counts.entry(group).or_default();
        entry.0 += 1;
        entry.1 += u64::from(selected);
    }
    counts
        .into_iter()
        .map(|(group, (members, selected))| GroupRate {
            group: group.to_owned(),
            members,
            selected,
            rate: selected as f64 / members as f64,
        })
        .collect()
}

pub fn demographic_parity(groups: Vec<GroupRate>) -> DemographicParity {
    let max = groups
        .iter()
        .map(|g| g.rate)
        .fold(f64::NEG_INFINITY, f64::max);
    let min = groups.iter().map(|g| g.rate).fold(f64::INFINITY, f64::min);
    // No group, or no one selected anywhere: nothing to tell the groups apart.
    let (difference, ratio) = if groups.is_empty() || max == 0.0 {
        (0.0, 1.0)
    } else {
        (max - min, min / max)
    };
    DemographicParity {
        groups,
        difference,
        ratio,
        four_fifths_flag: ratio < FOUR_FIFTHS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_difference_ratio_and_four_fifths_by_hand() {
        // a: 8 of 10 accepted (0.8); b: 3 of 5 (0.6); c: 9 of 10 (0.9).
        let mut observations = Vec::new();
        observations.extend((0..10).map(|i| ("a", i < 8)));
        observations.extend((0..5).map(|i| ("b", i < 3)));
        observations.extend((0..10).map(|i| ("c", i < 9)));
        let parity = demographic_parity(selection_rates(observations));
        let rates: Vec<(&str, f64)> = parity
            .groups
            .iter()
            .map(|g| (g.group.as_str(), g.rate))
            .collect();
        assert_eq!(rates, [("a", 0.8), ("b", 0.6), ("c", 0.9)]);
        assert!((parity.difference - 0.3).abs() < 1e-12);
        assert!((parity.ratio - 0.6 / 0.9).abs() < 1e-12);
        assert!(parity.four_fifths_flag, "0.667 is below four fifths");
    }

    #[test]
    fn equal_rates_pass() {
        let parity = demographic_parity(selection_rates([
            ("a", true),
            ("a", false),
            ("b", true),
            ("b", false),
        ]));
        assert_eq!(parity.difference, 0.0);
        assert_eq!(parity.ratio, 1.0);
        assert!(!parity.four_fifths_flag);
    }
}
