//! Comparing a replayed quote with the recorded one, field by field.

use crate::contract::pb;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDifference {
    pub field: String,
    pub recorded: String,
    pub replayed: String,
}

/// Every field of the response that differs, by path. The quote id and the time it was quoted
/// are the replay's inputs, not its results, and are carried over before comparing.
pub fn differences(
    recorded: &pb::QuoteResponse,
    replayed: &pb::QuoteResponse,
) -> Vec<FieldDifference> {
    let mut out = Vec::new();
    let mut compare = |field: &str, a: String, b: String| {
        if a != b {
            out.push(FieldDifference {
                field: field.to_owned(),
                recorded: a,
                replayed: b,
            });
        }
    };
    let pb::QuoteResponse {
        quote_id,
        product,
        decision,
        reasons,
        premium,
        worksheet,
        model_version,
        rating_date,
        valid_until,
        quoted_at,
        // The answer's place in the log, not a result of pricing (the record holds none).
        log_position: _,
        product_information,
    } = recorded;
    // Quotes logged before quotes named their product information document name none.
    if !product_information.is_empty() {
        compare(
            "product_information",
            product_information.clone(),
            replayed.product_information.clone(),
        );
    }
    compare("quote_id", quote_id.clone(), replayed.quote_id.clone());
    compare("quoted_at", quoted_at.clone(), replayed.quoted_at.clone());
    compare("product", product.to_string(), replayed.product.to_string());
    compare(
        "decision",
        decision.to_string(),
        replayed.decision.to_string(),
    );
    // Quotes logged before reasons carried their figures have none: for them the codes and
    // sentences are compared, and the figures only where they were recorded.
    let mut replayed_reasons = replayed.reasons.clone();
    if reasons.iter().all(|r| r.parameters.is_empty()) {
        replayed_reasons
            .iter_mut()
            .for_each(|r| r.parameters.clear());
    }
    // Likewise the criterion each reason applies, for quotes logged before reasons named one.
    if reasons.iter().all(|r| r.criterion.is_empty()) {
        replayed_reasons
            .iter_mut()
            .for_each(|r| r.criterion.clear());
    }
    compare(
        "reasons",
        format!("{reasons:?}"),
        format!("{replayed_reasons:?}"),
    );
    compare(
        "model_version",
        model_version.clone(),
        replayed.model_version.clone(),
    );
    compare(
        "rating_date",
        rating_date.clone(),
        replayed.rating_date.clone(),
    );
    compare(
        "valid_until",
        valid_until.clone(),
        replayed.valid_until.clone(),
    );
    match (premium, &replayed.premium) {
        (Some(a), Some(b)) => {
            let fields = |p: &pb::PremiumBreakdown| {
                let money = |m: &Option<pb::Money>| {
                    m.as_ref()
                        .map(|m| format!("{} {}", m.amount, m.currency))
                        .unwrap_or_default()
                };
                vec![
                    ("premium.risk_premium", money(&p.risk_premium)),
                    ("premium.fixed_expense", money(&p.fixed_expense)),
                    ("premium.commission_loading", money(&p.commission_loading)),
                    (
                        "premium.other_expense_loading",
                        money(&p.other_expense_loading),
                    ),
                    ("premium.profit_loading", money(&p.profit_loading)),
                    ("premium.office_premium", money(&p.office_premium)),
                    ("premium.policy_fee", money(&p.policy_fee)),
                    (
                        "premium.insurance_premium_tax",
                        money(&p.insurance_premium_tax),
                    ),
                    (
                        "premium.insurance_premium_tax_rate",
                        p.insurance_premium_tax_rate.clone(),
                    ),
                    ("premium.total", money(&p.total)),
                    ("premium.instalments", format!("{:?}", p.instalments)),
                ]
            };
            for ((field, x), (_, y)) in fields(a).into_iter().zip(fields(b)) {
                compare(field, x, y);
            }
        }
        (a, b) => compare("premium", format!("{a:?}"), format!("{b:?}")),
    }
    let steps = |w: &Option<pb::Worksheet>| w.as_ref().map(|w| w.steps.clone()).unwrap_or_default();
    let (a, b) = (steps(worksheet), steps(&replayed.worksheet));
    for i in 0..a.len().max(b.len()) {
        compare(
            &format!("worksheet.steps[{i}]"),
            a.get(i).map(|s| format!("{s:?}")).unwrap_or_default(),
            b.get(i).map(|s| format!("{s:?}")).unwrap_or_default(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referred(parameters: &[(&str, &str)], message: &str) -> pb::QuoteResponse {
        pb::QuoteResponse {
            reasons: vec![pb::Reason {
                code: "CLAIMS_HISTORY".into(),
                criterion: String::new(),
                message: message.into(),
                parameters: parameters
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_reason_logged_before_reasons_named_a_criterion_replays_without_it() {
        let sentence = "3 claims in the last 5 years: an underwriter reviews the claims history";
        let with = |criterion: &str| {
            let mut quote = referred(&[("claims", "3")], sentence);
            quote.reasons[0].criterion = criterion.into();
            quote
        };
        let replayed = with("claims_history");
        assert_eq!(differences(&with(""), &replayed), vec![]);
        assert_eq!(differences(&replayed, &replayed), vec![]);
        // One that named a criterion must name the same one again.
        let fields = |d: Vec<FieldDifference>| d.into_iter().map(|d| d.field).collect::<Vec<_>>();
        assert_eq!(fields(differences(&with("age"), &replayed)), ["reasons"]);
    }

    #[test]
    fn a_reason_logged_without_figures_replays_by_its_sentence() {
        let sentence = "3 claims in the last 5 years: an underwriter reviews the claims history";
        let replayed = referred(&[("claims", "3")], sentence);
        assert_eq!(differences(&referred(&[], sentence), &replayed), vec![]);
        assert_eq!(differences(&replayed, &replayed), vec![]);
        let fields = |d: Vec<FieldDifference>| d.into_iter().map(|d| d.field).collect::<Vec<_>>();
        assert_eq!(
            fields(differences(&referred(&[], "4 claims"), &replayed)),
            ["reasons"]
        );
        assert_eq!(
            fields(differences(
                &referred(&[("claims", "4")], sentence),
                &replayed
            )),
            ["reasons"]
        );
    }
}
