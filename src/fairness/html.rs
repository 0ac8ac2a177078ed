//! The fairness report as one self-contained HTML page: inline CSS and SVG charts, no external
//! asset, readable on screen and on paper (it prints to A4 from a browser).
//!
//! Every chart has its axis with a scale, and its reference line named (parity at 1, the
//! four-fifths line at 0.8 of the best group's acceptance). Labels are measured before the
//! chart is laid out, so none is clipped: `tests/api/fairness_report.rs` checks in headless
//! Chromium that no text of a chart leaves it or overlaps another.

use std::fmt::Write;

use super::report::FairnessReport;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A generous width of a label at the charts' 12 px font, so that it is never clipped.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * 7.2 + 8.0
}

/// A reference line across a chart, at `value`, named in the legend below it.
struct Mark {
    value: f64,
    label: String,
}

/// Horizontal bars, one per (label, value), on an axis from 0 to `max` with `ticks` steps.
fn bars(
    title: &str,
    rows: &[(String, f64)],
    max: f64,
    ticks: usize,
    marks: &[Mark],
    format: impl Fn(f64) -> String,
) -> String {
    let label_width = rows
        .iter()
        .map(|(l, _)| text_width(l))
        .fold(80.0, f64::max)
        .min(520.0);
    let value_width = rows
        .iter()
        .map(|(_, v)| text_width(&format(*v)))
        .fold(40.0, f64::max);
    let (bar_width, row_height, top) = (320.0, 22.0, 28.0);
    let legend_width = marks
        .iter()
        .map(|m| label_width + 30.0 + text_width(&m.label))
        .fold(0.0, f64::max);
    let width = (label_width + bar_width + value_width + 12.0)
        .max(legend_width)
        .max(text_width(title) * 1.1);
    let axis_y = top + row_height * rows.len() as f64 + 2.0;
    let legend_y = axis_y + 34.0;
    let height = legend_y + 16.0 * marks.len() as f64 + 4.0;
    let x_of = |v: f64| {
        label_width
            + if max > 0.0 {
                (v / max).clamp(0.0, 1.0) * bar_width
            } else {
                0.0
            }
    };
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}">"#,
        escape(title),
    );
    let _ = write!(
        svg,
        r#"<text x="0" y="16" class="title">{}</text>"#,
        escape(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = top + row_height * i as f64;
        let end = x_of(*value);
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{label_width:.1}" y="{:.1}" width="{:.1}" height="{:.1}" class="bar"/><text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
            label_width - 6.0,
            y + 14.0,
            escape(label),
            y + 2.0,
            end - label_width,
            row_height - 6.0,
            label_width + bar_width + 6.0,
            y + 14.0,
            escape(&format(*value))
        );
    }
    // The axis: a line, its ticks and their values.
    let _ = write!(
        svg,
        r#"<line x1="{label_width:.1}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}" class="axis"/>"#,
        label_width + bar_width
    );
    for k in 0..=ticks {
        let v = max * k as f64 / ticks as f64;
        let x = x_of(v);
        let anchor = match k {
            0 => "start",
            k if k == ticks => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{axis_y:.1}" x2="{x:.1}" y2="{:.1}" class="axis"/><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
            axis_y + 4.0,
            axis_y + 16.0,
            escape(&format(v))
        );
    }
    for (i, mark) in marks.iter().enumerate() {
        let x = x_of(mark.value);
        let y = legend_y + 16.0 * i as f64;
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{axis_y:.1}" class="mark"/><line x1="{label_width:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" class="mark"/><text x="{:.1}" y="{y:.1}" class="legend">{}</text>"#,
            top - 4.0,
            y - 4.0,
            label_width + 24.0,
            y - 4.0,
            label_width + 30.0,
            escape(&mark.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn percent(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

pub fn render(report: &FairnessReport) -> String {
    let mut page = String::from(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>fairquote fairness report</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:62em;color:#111}
h1{font-size:1.6em}h2{border-bottom:1px solid #999;margin-top:1.6em}h3{margin-top:1.2em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;font-size:.85em;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.passed{color:#13612e}.flagged{color:#a11a1a;font-weight:bold}
svg.chart{display:block;max-width:100%;height:auto;margin:.6em 0}
svg.chart text{font-size:12px;fill:#111}svg.chart .title{font-weight:bold}svg.chart .bar{fill:#3b6ea8}
svg.chart .axis{stroke:#555}svg.chart .tick{font-size:10px;fill:#444}svg.chart .mark{stroke:#a11a1a;stroke-dasharray:4 3}svg.chart .legend{font-size:11px}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}svg.chart,tr{break-inside:avoid}svg.chart .bar{fill:#555}}
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
    if !report.cannot_show.is_empty() {
        page.push_str("<h2>What this report cannot show</h2><ul>");
        for line in &report.cannot_show {
            let _ = write!(page, "<li>{}</li>", escape(line));
        }
        page.push_str("</ul>");
    }

    let s = &report.scope;
    let _ = write!(
        page,
        "<h2>Scope</h2><table><tr><th>liability model</th><td>{} (from {})</td></tr><tr><th>income-protection model</th><td>{} (from {})</td></tr><tr><th>portfolio</th><td>{}</td></tr><tr><th>provenance</th><td>{}</td></tr><tr><th>groups analysed</th><td>{}</td></tr><tr><th>rating date</th><td>{}</td></tr><tr><th>policies</th><td>{}</td></tr><tr><th>seed</th><td>{}</td></tr><tr><th>engine</th><td>{}</td></tr><tr><th>thresholds</th><td>{}</td></tr></table><p>{}</p>",
        escape(&s.liability_version),
        escape(&s.liability_effective_from),
        escape(&s.income_protection_version),
        escape(&s.income_protection_effective_from),
        escape(&s.portfolio),
        escape(&s.provenance),
        escape(&if s.group_attributes.is_empty() {
            "none".to_owned()
        } else {
            s.group_attributes.join(", ")
        }),
        escape(&s.rating_date),
        s.policies,
        s.seed,
        escape(&s.engine),
        escape(&s.thresholds),
        escape(&report.prohibited_factors)
    );

    page.push_str("<h2>Factor inventory</h2><table><tr><th>product</th><th>table</th><th>status</th><th>protected criteria it rates</th><th>record</th><th>aim</th><th>evidence</th><th>review</th></tr>");
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
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.product.code(),
            escape(&f.table),
            escape(&f.status),
            escape(&f.protected_criteria.join(", ")),
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
                format!("{}: {} / {}", p.product.code(), p.profession, p.comparator),
                p.max_ratio,
            )
        })
        .collect();
    page.push_str(&bars(
        "Highest premium ratio of each profession against its comparator",
        &ratios,
        2.0,
        4,
        &[Mark {
            value: 1.0,
            label: "1: parity, the profession priced as its comparator".into(),
        }],
        |v| format!("{v:.2}"),
    ));
    page.push_str("<table><tr><th>product</th><th>profession</th><th>comparator</th><th>cells</th><th>min</th><th>max</th><th>differing</th><th>verdict</th></tr>");
    for p in &report.parity {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{}</td><td>{}</td></tr>",
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
        outcome(&mut page, o);
    }
    if !report.proxies.is_empty() {
        page.push_str("<h2>Proxies</h2><p>Each rating input's association with each group (Cramér's V; χ² test of independence, Holm-adjusted). An input associated with a group can carry a difference into the price although the group is never rated.</p><table><tr><th>product</th><th>input</th><th>group</th><th>V</th><th>p (adjusted)</th><th>rated through</th><th></th></tr>");
        for p in &report.proxies {
            for x in &p.proxies {
                let _ = write!(
                    page,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.4}</td><td>{}</td><td>{}</td></tr>",
                    p.product.code(),
                    escape(&x.input),
                    escape(&x.attribute),
                    x.cramers_v,
                    x.p_adjusted,
                    escape(&x.tables.join(", ")),
                    if x.flagged { "<b>associated</b>" } else { "" }
                );
            }
        }
        page.push_str("</table>");
    }

    if let Some(experience) = &report.experience {
        let _ = write!(
            page,
            "<h2>Claims against premiums</h2><p>Liability experience {} (valued {}) under version {}: capped claims over the risk premium the version charges the same cells (A/E), with approximate 95 % intervals. A profession whose A/E differs from its comparator's beyond chance pays a premium its claims do not bear out, in one direction or the other.</p>",
            escape(&experience.experience_sha256),
            escape(&experience.valuation_date),
            escape(&experience.version)
        );
        page.push_str("<table><tr><th>profession</th><th>comparator</th><th>A/E against the comparator's</th><th>95 % interval</th></tr>");
        for p in &experience.pairs {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2} to {:.2}</td></tr>",
                escape(&p.profession),
                escape(&p.comparator),
                p.ratio,
                p.low,
                p.high
            );
        }
        page.push_str("</table><table><tr><th>occupation</th><th>claims</th><th>claims per million EUR turnover-years</th><th>loss ratio</th><th>A/E</th><th>95 % interval</th></tr>");
        for o in &experience.by_occupation {
            let _ = write!(
                page,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2} to {:.2}</td></tr>",
                escape(&o.group),
                o.claims,
                o.claims_per_million,
                o.loss_ratio,
                o.ratio,
                o.low,
                o.high
            );
        }
        page.push_str("</table>");
        for g in &experience.by_group {
            let _ = write!(
                page,
                "<h3>Claims by {}</h3><table><tr><th>group</th><th>claims</th><th>claims per million EUR turnover-years</th><th>loss ratio</th><th>A/E</th><th>95 % interval</th><th>A/E against the other groups'</th></tr>",
                escape(&g.attribute)
            );
            for o in &g.groups {
                let against = g
                    .against_rest
                    .iter()
                    .find(|r| r.group == o.group)
                    .map(|r| format!("{:.2} ({:.2} to {:.2})", r.ratio, r.low, r.high))
                    .unwrap_or_default();
                let _ = write!(
                    page,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2} to {:.2}</td><td class=\"n\">{}</td></tr>",
                    escape(&o.group),
                    o.claims,
                    o.claims_per_million,
                    o.loss_ratio,
                    o.ratio,
                    o.low,
                    o.high,
                    against
                );
            }
            page.push_str("</table>");
        }
    }

    page.push_str("<h2>Governance</h2><table><tr><th>product</th><th>version</th><th>label</th><th>in force from</th><th>justification records</th></tr>");
    for v in &report.governance.versions {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            v.product.code(),
            escape(&v.id),
            escape(&v.label),
            escape(&v.effective_from),
            v.justification_records
        );
    }
    page.push_str("</table>");
    if !report.governance.changes.is_empty() {
        page.push_str("<ul>");
        for change in &report.governance.changes {
            let _ = write!(page, "<li>{}</li>", escape(change));
        }
        page.push_str("</ul>");
    }

    let r = &report.renewal_vs_new_business;
    let _ = writeln!(
        page,
        "<h2>Renewal against new business</h2><p>{} identical risks compared; {} renewals cost more than new business.</p></body></html>",
        r.compared, r.renewal_higher
    );
    page
}

fn outcome(page: &mut String, o: &super::report::GroupOutcome) {
    let title = format!("{} by {}", o.product.code(), o.attribute);
    let _ = write!(page, "<h3>{}</h3>", escape(&title));
    let rates: Vec<(String, f64)> = o
        .acceptance
        .parity
        .groups
        .iter()
        .map(|g| (format!("{} ({} policies)", g.group, g.members), g.rate))
        .collect();
    let best = rates.iter().map(|(_, r)| *r).fold(0.0, f64::max);
    page.push_str(&bars(
        &format!("Acceptance rate, {title}"),
        &rates,
        1.0,
        4,
        &[Mark {
            value: 0.8 * best,
            label: format!(
                "four fifths of the best group's rate ({})",
                percent(0.8 * best)
            ),
        }],
        percent,
    ));
    let outcome_rates = |rates: &[crate::fairness::metrics::GroupRate]| {
        rates
            .iter()
            .map(|g| format!("{} {}", escape(&g.group), percent(g.rate)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = write!(
        page,
        "<p>Referral rates: {}. Decline rates: {}.</p><p>Difference {:.1} points (95 % interval {:.1} to {:.1}), ratio {:.3}{}, p = {:.3} (adjusted {:.3}): {}.</p>",
        outcome_rates(&o.acceptance.referral_rates),
        outcome_rates(&o.acceptance.decline_rates),
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
        o.acceptance.p_adjusted,
        if o.acceptance.material {
            "material"
        } else {
            "not material"
        }
    );
    page.push_str("<table><tr><th>group</th><th>declined by</th><th>referred by</th></tr>");
    for d in &o.acceptance_drivers {
        let list = |reasons: &[(String, f64)]| {
            reasons
                .iter()
                .map(|(code, rate)| format!("{} {}", escape(code), percent(*rate)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            page,
            "<tr><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
            escape(&d.group),
            d.policies,
            list(&d.declined_by),
            list(&d.referred_by)
        );
    }
    page.push_str("</table>");
    let unit = match o.product {
        crate::domain::Product::Liability => "EUR per 1,000 EUR of turnover",
        crate::domain::Product::IncomeProtection => "EUR per 100 EUR of monthly benefit",
    };
    let absolute: Vec<(String, f64)> = o
        .premium_per_unit
        .groups
        .iter()
        .map(|g| (format!("{} ({} priced)", g.group, g.policies), g.mean))
        .collect();
    let top = absolute.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let overall: f64 = {
        let (sum, n) = o
            .premium_per_unit
            .groups
            .iter()
            .fold((0.0, 0u64), |(s, n), g| {
                (s + g.mean * g.policies as f64, n + g.policies)
            });
        if n == 0 { 0.0 } else { sum / n as f64 }
    };
    page.push_str(&bars(
        &format!("Mean premium per unit of cover ({unit}), {title}"),
        &absolute,
        (top * 1.25).max(1.0).ceil(),
        4,
        &[Mark {
            value: overall,
            label: format!("the mean of all priced policies ({overall:.2})"),
        }],
        |v| format!("{v:.2}"),
    ));
    let _ = write!(
        page,
        "<p>Medians: {}. Largest deviation from the mean {:.1} % (95 % interval {:.1} to {:.1}), p = {:.3} (adjusted {:.3}): {}.</p>",
        o.premium_per_unit
            .groups
            .iter()
            .map(|g| format!("{} {:.2}", escape(&g.group), g.median))
            .collect::<Vec<_>>()
            .join(", "),
        o.premium_per_unit.largest_deviation * 100.0,
        o.premium_per_unit.deviation_interval.low * 100.0,
        o.premium_per_unit.deviation_interval.high * 100.0,
        o.premium_per_unit.p_value,
        o.premium_per_unit.p_adjusted,
        if o.premium_per_unit.material {
            "material"
        } else {
            "not material"
        },
    );
    for gap in &o.gaps {
        let _ = write!(
            page,
            "<p>Where the gap between <b>{}</b> and <b>{}</b> comes from: {} pays {:+.1} % per unit (geometric means; 95 % interval {:+.1} to {:+.1} %). The terms add up to the gap.</p><table><tr><th>table</th><th>difference</th><th>95 % interval</th><th>share of the gap</th><th>standing</th><th>protected criteria</th></tr>",
            escape(&gap.groups[0]),
            escape(&gap.groups[1]),
            escape(&gap.groups[0]),
            gap.relative * 100.0,
            gap.interval.low.exp_m1() * 100.0,
            gap.interval.high.exp_m1() * 100.0,
        );
        for f in &gap.factors {
            let _ = write!(
                page,
                "<tr><td>{}</td><td class=\"n\">{:+.2} %</td><td class=\"n\">{:+.2} to {:+.2} %</td><td class=\"n\">{:.0} %</td><td>{}</td><td>{}</td></tr>",
                escape(&f.table),
                f.difference.exp_m1() * 100.0,
                f.interval.low.exp_m1() * 100.0,
                f.interval.high.exp_m1() * 100.0,
                f.share * 100.0,
                escape(&f.status),
                escape(&f.protected_criteria.join(", "))
            );
        }
        page.push_str("</table>");
    }
}
