//! The fairness report as one self-contained HTML page: inline CSS and SVG charts, no external
//! asset, readable on screen and on paper.

use std::fmt::Write;

use super::report::FairnessReport;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars, one per (label, value), scaled to `max`, with a reference line at `mark`.
fn bars(
    title: &str,
    rows: &[(String, f64)],
    max: f64,
    mark: Option<f64>,
    format: impl Fn(f64) -> String,
) -> String {
    let (label_width, bar_width, row_height) = (260.0, 360.0, 22.0);
    let height = 30.0 + row_height * rows.len() as f64;
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" viewBox="0 0 {} {height}">"#,
        escape(title),
        label_width + bar_width + 90.0,
        label_width + bar_width + 90.0
    );
    let _ = write!(
        svg,
        r#"<text x="0" y="16" class="title">{}</text>"#,
        escape(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 26.0 + row_height * i as f64;
        let width = if max > 0.0 {
            (value / max).clamp(0.0, 1.0) * bar_width
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{label_width}" y="{}" width="{width:.1}" height="{}" class="bar"/><text x="{}" y="{}">{}</text>"#,
            label_width - 6.0,
            y + 14.0,
            escape(label),
            y + 2.0,
            row_height - 6.0,
            label_width + width + 6.0,
            y + 14.0,
            escape(&format(*value))
        );
    }
    if let Some(mark) = mark.filter(|_| max > 0.0) {
        let x = label_width + (mark / max).clamp(0.0, 1.0) * bar_width;
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="22" x2="{x:.1}" y2="{height}" class="mark"/>"#
        );
    }
    svg.push_str("</svg>");
    svg
}

pub fn render(report: &FairnessReport) -> String {
    let mut page = String::from(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>fairquote fairness report</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#111}
h1{font-size:1.6em}h2{border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;font-size:.9em}
.passed{color:#13612e}.flagged{color:#a11a1a;font-weight:bold}
svg.chart text{font-size:12px}svg.chart .title{font-weight:bold}svg.chart .bar{fill:#3b6ea8}svg.chart .mark{stroke:#a11a1a;stroke-dasharray:4 3}
@media print{body{margin:0}h2{page-break-after:avoid}svg.chart .bar{fill:#555}}
</style></head><body><h1>Fairness report</h1>"#,
    );
    let _ = write!(page, "<h2 id=\"verdict\">Verdict</h2>");
    if report.verdict.flagged.is_empty() {
        page.push_str(r#"<p class="passed">Nothing is flagged.</p>"#);
    }
    page.push_str("<ul>");
    for line in &report.verdict.flagged {
        let _ = write!(
            page,
            r#"<li class="flagged">Flagged: {}</li>"#,
            escape(line)
        );
    }
    for line in &report.verdict.passed {
        let _ = write!(page, r#"<li class="passed">Passed: {}</li>"#, escape(line));
    }
    page.push_str("</ul>");

    let s = &report.scope;
    let _ = write!(
        page,
        "<h2>Scope</h2><table><tr><th>liability model</th><td>{} (from {})</td></tr><tr><th>income-protection model</th><td>{} (from {})</td></tr><tr><th>portfolio</th><td>{}</td></tr><tr><th>rating date</th><td>{}</td></tr><tr><th>policies</th><td>{}</td></tr><tr><th>seed</th><td>{}</td></tr><tr><th>engine</th><td>{}</td></tr><tr><th>thresholds</th><td>{}</td></tr></table><p>{}</p>",
        escape(&s.liability_version),
        escape(&s.liability_effective_from),
        escape(&s.income_protection_version),
        escape(&s.income_protection_effective_from),
        escape(&s.portfolio),
        escape(&s.rating_date),
        s.policies,
        s.seed,
        escape(&s.engine),
        escape(&s.thresholds),
        escape(&report.prohibited_factors)
    );

    page.push_str("<h2>Factor inventory</h2><table><tr><th>product</th><th>table</th><th>status</th><th>record</th><th>aim</th><th>evidence</th><th>review</th></tr>");
    for f in &report.factor_inventory {
        let (id, aim, evidence, review) = f.justification.as_ref().map_or(
            (String::new(), String::new(), String::new(), String::new()),
            |j| {
                (
                    j.id.clone(),
                    j.aim.clone(),
                    format!("{} ({})", j.evidence, j.credibility),
                    j.review_date.to_string(),
                )
            },
        );
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.product.code(),
            escape(&f.table),
            escape(&f.status),
            escape(&id),
            escape(&aim),
            escape(&evidence),
            escape(&review)
        );
    }
    page.push_str("</table>");

    page.push_str("<h2>Occupation parity</h2>");
    let ratios: Vec<(String, f64)> = report
        .parity
        .iter()
        .map(|p| {
            (
                format!("{} {} / {}", p.product.code(), p.profession, p.comparator),
                p.max_ratio,
            )
        })
        .collect();
    page.push_str(&bars(
        "Highest premium ratio against the comparator (1 is parity)",
        &ratios,
        2.0,
        Some(1.0),
        |v| format!("{v:.4}"),
    ));
    page.push_str("<table><tr><th>product</th><th>profession</th><th>comparator</th><th>cells</th><th>min</th><th>max</th><th>differing</th><th>verdict</th></tr>");
    for p in &report.parity {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{}</td><td>{}</td></tr>",
            p.product.code(),
            escape(&p.profession),
            escape(&p.comparator),
            p.cells,
            p.min_ratio,
            p.max_ratio,
            p.differing_cells,
            escape(&p.verdict)
        );
    }
    page.push_str("</table>");

    page.push_str("<h2>Outcomes by group</h2>");
    for o in &report.outcomes {
        let title = format!("{} by {}", o.product.code(), o.attribute);
        let _ = write!(page, "<h3>{}</h3>", escape(&title));
        let rates: Vec<(String, f64)> = o
            .acceptance
            .parity
            .groups
            .iter()
            .map(|g| (format!("{} ({})", g.group, g.members), g.rate))
            .collect();
        page.push_str(&bars(
            &format!("Acceptance rate, {title}"),
            &rates,
            1.0,
            None,
            |v| format!("{:.1} %", v * 100.0),
        ));
        let outcome_rates = |rates: &[crate::fairness::metrics::GroupRate]| {
            rates
                .iter()
                .map(|g| format!("{} {:.1} %", escape(&g.group), g.rate * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            page,
            "<p>Referral rates: {}. Decline rates: {}.</p>",
            outcome_rates(&o.acceptance.referral_rates),
            outcome_rates(&o.acceptance.decline_rates)
        );
        let _ = write!(
            page,
            "<p>Difference {:.1} points (95 % interval {:.1} to {:.1}), ratio {:.3}{}, p = {:.3}: {}.</p>",
            o.acceptance.parity.difference * 100.0,
            o.acceptance.difference_interval.low * 100.0,
            o.acceptance.difference_interval.high * 100.0,
            o.acceptance.parity.ratio,
            if o.acceptance.parity.four_fifths_flag {
                " (below four fifths)"
            } else {
                ""
            },
            o.acceptance.p_value,
            if o.acceptance.material {
                "material"
            } else {
                "not material"
            }
        );
        let premiums: Vec<(String, f64)> = o
            .premium_per_unit
            .groups
            .iter()
            .map(|g| (g.group.clone(), g.ratio_to_overall))
            .collect();
        page.push_str(&bars(
            &format!("Mean premium per unit of cover over the overall mean, {title}"),
            &premiums,
            2.0,
            Some(1.0),
            |v| format!("{v:.3}"),
        ));
        let _ = write!(
            page,
            "<p>Largest deviation {:.1} % (95 % interval {:.1} to {:.1}), p = {:.3}: {}. Against expected cost: {:.1} %.</p>",
            o.premium_per_unit.largest_deviation * 100.0,
            o.premium_per_unit.deviation_interval.low * 100.0,
            o.premium_per_unit.deviation_interval.high * 100.0,
            o.premium_per_unit.p_value,
            if o.premium_per_unit.material {
                "material"
            } else {
                "not material"
            },
            o.risk_adjusted.largest_deviation * 100.0
        );
    }

    let r = &report.renewal_vs_new_business;
    let _ = writeln!(
        page,
        "<h2>Renewal against new business</h2><p>{} identical risks compared; {} renewals cost more than new business.</p></body></html>",
        r.compared, r.renewal_higher
    );
    page
}
