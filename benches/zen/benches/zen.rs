//! fairquote's engine against GoRules zen on the same rules, in one criterion run.
//!
//! The default liability and income-protection models are turned into zen decision graphs
//! (JDM) from our own compiled tables: decision tables for every rating table (occupation to
//! class, base rates, limit, deductible and experience factors, age bands), expression nodes
//! for the credits, the minimum premium, the loadings, the tax, half-even rounding to the cent
//! and the accept / refer / decline rules. Before any timing, both engines price a sample of
//! requests and must agree on the decision and the total to the cent.
//!
//! Run from this folder: `cargo bench --bench zen` (a release build of zen and its JavaScript
//! runtime: several minutes the first time).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use zen_engine::Variable;
use zen_engine::model::DecisionContent;

use fairquote::domain::{
    BenefitPeriod, Decision, EmploymentStatus, IncomeProtectionApplication, IncomeProtectionFields,
    LiabilityApplication, LiabilityFields, PaymentFrequency, ProductApplication, QuoteRequest,
    RiskMeasure, TransactionType, WorkSetting,
};
use fairquote::rating::book::{
    Charges, IncomeProtectionRateBook, LiabilityRateBook, OccupationCatalog,
};
use fairquote::rating::{self, RateBooks};

fn models_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// A first-hit decision table whose outputs are merged into what flows on.
fn table(
    id: &str,
    inputs: &[(&str, &str)],
    outputs: &[(&str, &str)],
    rules: Vec<Vec<String>>,
) -> Value {
    let columns: Vec<&str> = inputs.iter().chain(outputs).map(|(c, _)| *c).collect();
    let rules: Vec<Value> = rules
        .into_iter()
        .enumerate()
        .map(|(i, cells)| {
            let mut rule = serde_json::Map::new();
            rule.insert("_id".into(), json!(format!("{id}{i}")));
            for (column, cell) in columns.iter().zip(cells) {
                rule.insert((*column).into(), json!(cell));
            }
            Value::Object(rule)
        })
        .collect();
    let fields = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(c, f)| json!({"id": c, "name": f, "field": f}))
            .collect::<Vec<_>>()
    };
    json!({"id": id, "name": id, "type": "decisionTableNode", "content": {
        "hitPolicy": "first", "inputs": fields(inputs), "outputs": fields(outputs),
        "rules": rules, "passThrough": true
    }})
}

/// `key = value` lines of one expression node, evaluated in order (`$.key` reads an earlier one).
fn expressions(id: &str, lines: &[(String, String)]) -> Value {
    let expressions: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (k, v))| json!({"id": format!("{id}{i}"), "key": k, "value": v}))
        .collect();
    json!({"id": id, "name": id, "type": "expressionNode", "content": {
        "expressions": expressions, "passThrough": true
    }})
}

/// Half-even rounding to the cent, which zen lacks (its `round` is half away from zero).
fn half_even(out: &str, expr: &str) -> Vec<(String, String)> {
    vec![
        (format!("{out}_c"), format!("({expr}) * 100")),
        (format!("{out}_f"), format!("floor($.{out}_c)")),
        (format!("{out}_d"), format!("$.{out}_c - $.{out}_f")),
        (
            out.to_owned(),
            format!(
                "($.{out}_d > 0.5 ? $.{out}_f + 1 : ($.{out}_d < 0.5 ? $.{out}_f : ($.{out}_f % 2 == 0 ? $.{out}_f : $.{out}_f + 1))) / 100"
            ),
        ),
    ]
}

/// Risk premium (before the minimum) to total, as `outcome` and `charges` do.
fn charges_lines(c: &Charges) -> Vec<(String, String)> {
    let loadings = c.commission_rate + c.other_expense_rate + c.profit_rate;
    let mut lines = vec![(
        "floored".to_owned(),
        format!("$.raw < {m} ? {m} : $.raw", m = c.minimum_premium),
    )];
    lines.extend(half_even("risk", "$.floored"));
    lines.extend(half_even(
        "office",
        &format!(
            "($.risk + {}) / {}",
            c.fixed_expense,
            Decimal::ONE - loadings
        ),
    ));
    lines.push(("with_fee".into(), format!("$.office + {}", c.policy_fee)));
    lines.extend(half_even(
        "tax",
        &format!("$.with_fee * {}", c.premium_tax_rate),
    ));
    lines.push(("total".into(), "$.with_fee + $.tax".into()));
    lines
}

fn graph(nodes: Vec<Value>) -> DecisionContent {
    let mut all = vec![json!({"id": "in", "name": "request", "type": "inputNode", "content": {}})];
    all.extend(nodes);
    all.push(json!({"id": "out", "name": "quote", "type": "outputNode", "content": {}}));
    let edges: Vec<Value> = all
        .windows(2)
        .enumerate()
        .map(|(i, pair)| json!({"id": format!("e{i}"), "sourceId": pair[0]["id"], "targetId": pair[1]["id"]}))
        .collect();
    serde_json::from_value(json!({"nodes": all, "edges": edges})).expect("a decision graph")
}

/// The occupation catalog as a decision table: occupation to class.
fn occupations_table(catalog: &OccupationCatalog) -> Value {
    let rows = catalog
        .occupations
        .values()
        .map(|o| vec![quoted(&o.code), quoted(&o.class)])
        .collect();
    table(
        "occupations",
        &[("o", "occupation")],
        &[("oc", "class")],
        rows,
    )
}

fn liability_graph(book: &LiabilityRateBook) -> DecisionContent {
    let mut base: Vec<_> = book.base_rates.iter().collect();
    base.sort_by(|a, b| a.0.cmp(b.0));
    let base = base
        .into_iter()
        .map(|((class, setting), rate)| {
            vec![quoted(class), quoted(setting.code()), rate.to_string()]
        })
        .collect();
    let by_amount = |m: &std::collections::BTreeMap<Decimal, Decimal>| {
        m.iter()
            .map(|(k, v)| vec![k.to_string(), v.to_string()])
            .collect()
    };
    let experience = book
        .experience_factors
        .iter()
        .map(|b| vec![format!("[{}..{}]", b.min, b.max), b.factor.to_string()])
        .collect();
    let last_claims = book
        .experience_factors
        .iter()
        .map(|b| b.max)
        .max()
        .unwrap_or(0);
    let credit_of = book
        .risk_management_credits
        .iter()
        .rev()
        .fold("0".to_owned(), |rest, (m, c)| {
            format!("(# == {} ? {c} : {rest})", quoted(m.code()))
        });
    let mut lines = vec![
        ("credits".to_owned(), format!("sum(map(measures, {credit_of}))")),
        (
            "credit".to_owned(),
            format!("$.credits < {cap} ? $.credits : {cap}", cap = book.risk_management_credit_cap),
        ),
        (
            "raw".to_owned(),
            "turnover / 1000 * base_rate * ilf * deductible_factor * experience_factor * (1 - $.credit)".to_owned(),
        ),
    ];
    lines.extend(charges_lines(&book.charges));
    lines.push((
        "decision".into(),
        format!(
            "claims > {last_claims} ? \"decline\" : (claims >= {} or turnover > {} ? \"refer\" : \"accept\")",
            book.eligibility.refer_claims_from, book.eligibility.refer_turnover_above
        ),
    ));
    graph(vec![
        occupations_table(&book.occupations),
        table(
            "base_rates",
            &[("c", "class"), ("w", "work_setting")],
            &[("b", "base_rate")],
            base,
        ),
        table(
            "limits",
            &[("l", "limit")],
            &[("lf", "ilf")],
            by_amount(&book.increased_limit_factors),
        ),
        table(
            "deductibles",
            &[("d", "deductible")],
            &[("df", "deductible_factor")],
            by_amount(&book.deductible_factors),
        ),
        table(
            "experience",
            &[("n", "claims")],
            &[("ef", "experience_factor")],
            experience,
        ),
        expressions("price", &lines),
    ])
}

fn income_protection_graph(book: &IncomeProtectionRateBook) -> DecisionContent {
    let mut keys: Vec<_> = book.base_rates.keys().collect();
    keys.sort_by_key(|(d, p)| (*d, p.code()));
    let base = keys
        .into_iter()
        .flat_map(|key| {
            book.base_rates[key].iter().map(move |band| {
                vec![
                    key.0.to_string(),
                    quoted(key.1.code()),
                    format!("[{}..{}]", band.min, band.max),
                    band.factor.to_string(),
                ]
            })
        })
        .collect();
    let classes = book
        .occupation_class_factors
        .iter()
        .map(|(c, f)| vec![quoted(c), f.to_string()])
        .collect();
    let rules = &book.eligibility;
    let mut lines = vec![(
        "raw".to_owned(),
        format!(
            "benefit / 100 * base_rate * class_factor * (smoker ? {} : {})",
            book.smoker_factor, book.non_smoker_factor
        ),
    )];
    lines.extend(charges_lines(&book.charges));
    lines.push((
        "decision".into(),
        format!(
            "age < {} or age > {} or benefit > income * {} or (employee and deferred < {}) ? \"decline\" : (benefit > {} or claims >= {} ? \"refer\" : \"accept\")",
            rules.min_age,
            rules.max_age,
            rules.max_benefit_to_income,
            rules.employee_min_deferred_days,
            rules.refer_benefit_above,
            rules.refer_claims_from
        ),
    ));
    graph(vec![
        occupations_table(&book.occupations),
        table(
            "base_rates",
            &[("d", "deferred"), ("p", "benefit_period"), ("a", "age")],
            &[("b", "base_rate")],
            base,
        ),
        table(
            "classes",
            &[("c", "class")],
            &[("cf", "class_factor")],
            classes,
        ),
        expressions("price", &lines),
    ])
}

/// The zen input for a request: the same facts, as JSON.
fn zen_input(request: &QuoteRequest) -> Variable {
    let value = match &request.application {
        ProductApplication::Liability(a) => json!({
            "occupation": a.occupation(),
            "work_setting": a.work_setting().code(),
            "turnover": a.annual_turnover().to_string().parse::<i64>().expect("whole euros"),
            "limit": a.limit_of_indemnity().to_string().parse::<i64>().expect("whole euros"),
            "deductible": a.deductible().to_string().parse::<i64>().expect("whole euros"),
            "claims": a.claims_last_5_years(),
            "measures": a.risk_measures().iter().map(|m| m.code()).collect::<Vec<_>>(),
        }),
        ProductApplication::IncomeProtection(a) => json!({
            "occupation": a.occupation(),
            "age": a.age(),
            "employee": a.employment_status() == EmploymentStatus::Employee,
            "income": a.average_monthly_income().to_string().parse::<i64>().expect("whole euros"),
            "benefit": a.monthly_benefit().to_string().parse::<i64>().expect("whole euros"),
            "deferred": a.deferred_period_days(),
            "benefit_period": a.benefit_period().code(),
            "smoker": a.smoker(),
            "claims": a.claims_last_5_years(),
        }),
    };
    Variable::from(value)
}

/// A deterministic spread of requests that both models rate (no missing table row).
fn sample(books: &RateBooks, n: u64) -> Vec<QuoteRequest> {
    let liability = &books.liability;
    let ip = &books.income_protection;
    let occupations: Vec<&String> = liability.occupations.occupations.keys().collect();
    let ip_occupations: Vec<&String> = ip.occupations.occupations.keys().collect();
    let limits: Vec<&Decimal> = liability.increased_limit_factors.keys().collect();
    let deductibles: Vec<&Decimal> = liability.deductible_factors.keys().collect();
    let deferred = ip.deferred_periods();
    let last_claims = liability
        .experience_factors
        .iter()
        .map(|b| b.max)
        .max()
        .unwrap_or(0);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m.max(1)
    };
    (0..n)
        .map(|i| {
            let application = if i % 2 == 0 {
                ProductApplication::Liability(
                    LiabilityApplication::new(LiabilityFields {
                        occupation: Some(
                            occupations[next(occupations.len() as u64) as usize].clone(),
                        ),
                        work_setting: Some(WorkSetting::ALL[next(4) as usize]),
                        annual_turnover: Some(Decimal::from(1_000 + next(300_000))),
                        limit_of_indemnity: Some(*limits[next(limits.len() as u64) as usize]),
                        deductible: Some(*deductibles[next(deductibles.len() as u64) as usize]),
                        claims_last_5_years: Some(next(u64::from(last_claims) + 1) as u32),
                        years_of_activity: Some(next(30) as u32),
                        risk_measures: RiskMeasure::ALL
                            .into_iter()
                            .filter(|_| next(2) == 0)
                            .collect(),
                    })
                    .expect("within the bounds"),
                )
            } else {
                let income = 1_000 + next(6_000);
                ProductApplication::IncomeProtection(
                    IncomeProtectionApplication::new(IncomeProtectionFields {
                        age: Some(
                            ip.eligibility.min_age
                                + next(
                                    u64::from(ip.eligibility.max_age - ip.eligibility.min_age) + 1,
                                ) as u32,
                        ),
                        occupation: Some(
                            ip_occupations[next(ip_occupations.len() as u64) as usize].clone(),
                        ),
                        employment_status: Some(if next(2) == 0 {
                            EmploymentStatus::SelfEmployed
                        } else {
                            EmploymentStatus::Employee
                        }),
                        average_monthly_income: Some(Decimal::from(income)),
                        monthly_benefit: Some(Decimal::from(100 + next(income * 3 / 4))),
                        deferred_period_days: Some(deferred[next(deferred.len() as u64) as usize]),
                        benefit_period: Some(BenefitPeriod::ALL[next(3) as usize]),
                        smoker: Some(next(4) == 0),
                        claims_last_5_years: Some(next(3) as u32),
                        family_situation: None,
                    })
                    .expect("within the bounds"),
                )
            };
            let version = books.version(application.product());
            QuoteRequest {
                rating_date: version.effective_from.max(version.renewal_effective_from),
                transaction_type: TransactionType::NewBusiness,
                payment_frequency: PaymentFrequency::Annual,
                model_version: None,
                application,
            }
        })
        .collect()
}

struct Engines {
    books: RateBooks,
    liability: zen_engine::Decision,
    income_protection: zen_engine::Decision,
    runtime: tokio::runtime::Runtime,
}

impl Engines {
    fn fairquote(&self, request: &QuoteRequest) -> fairquote::domain::PricedQuote {
        rating::quote(&self.books, request, request.rating_date).expect("fairquote prices")
    }

    fn zen(&self, request: &QuoteRequest, input: Variable) -> Variable {
        let decision = match request.application {
            ProductApplication::Liability(_) => &self.liability,
            ProductApplication::IncomeProtection(_) => &self.income_protection,
        };
        self.runtime
            .block_on(decision.evaluate(input))
            .expect("zen evaluates")
            .result
    }
}

/// Both engines on every request of the sample: the same decision, the same total.
fn agree(engines: &Engines, requests: &[QuoteRequest]) {
    let mut priced = 0;
    for request in requests {
        let ours = engines.fairquote(request);
        let theirs = engines.zen(request, zen_input(request));
        let decision = theirs
            .dot("decision")
            .and_then(|d| d.as_str().map(str::to_owned));
        let expected = match ours.decision {
            Decision::Accept => "accept",
            Decision::Refer => "refer",
            Decision::Decline => "decline",
        };
        assert_eq!(
            decision.as_deref(),
            Some(expected),
            "decision for {request:?}"
        );
        if let Some(premium) = &ours.premium {
            let total = theirs.dot("total").and_then(|t| t.as_number());
            assert_eq!(
                total.map(|t| t.normalize()),
                Some(premium.total.normalize()),
                "total for {request:?}"
            );
            priced += 1;
        }
    }
    println!(
        "zen and fairquote agree on {} requests ({priced} priced to the cent)",
        requests.len()
    );
}

/// Nanoseconds per call of each engine, interleaved in rounds so both see the same machine.
fn ratio(engines: &Engines, request: &QuoteRequest, label: &str) {
    let input = zen_input(request);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let n = 20_000;
        let start = Instant::now();
        for _ in 0..n {
            black_box(engines.fairquote(black_box(request)));
        }
        ours.push(start.elapsed().as_nanos() as f64 / n as f64);
        let n = 2_000;
        let start = Instant::now();
        for _ in 0..n {
            black_box(engines.zen(request, input.deep_clone()));
        }
        theirs.push(start.elapsed().as_nanos() as f64 / n as f64);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    println!(
        "{label}: fairquote {ours:.0} ns with its worksheet, zen {theirs:.0} ns: fairquote is {:.1}× faster ({:.0} zen evaluations/s on one core)",
        theirs / ours,
        1e9 / theirs
    );
}

fn main() {
    let mut books = fairquote::tables::load_rate_books(&models_dir()).expect("the default models");
    // The graph's cap is the share of income alone: both engines price the default tables
    // without the statutory benefits the combined cap counts, as versions before them did.
    books.income_protection.statutory = None;
    let engine = zen_engine::DecisionEngine::default();
    let engines = Engines {
        liability: engine
            .create_decision(liability_graph(&books.liability).into())
            .expect("the liability graph"),
        income_protection: engine
            .create_decision(income_protection_graph(&books.income_protection).into())
            .expect("the income-protection graph"),
        books,
        runtime: tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime"),
    };
    let requests = sample(&engines.books, 4_000);
    agree(&engines, &requests);

    let typical = |product: usize| {
        requests
            .iter()
            .skip(product)
            .step_by(2)
            .find(|r| engines.fairquote(r).decision == Decision::Accept)
            .expect("an accepted request")
            .clone()
    };
    let (liability, income_protection) = (typical(0), typical(1));
    let mut criterion = Criterion::default().configure_from_args();
    for (label, request) in [
        ("liability", &liability),
        ("income_protection", &income_protection),
    ] {
        let input = zen_input(request);
        let mut group = criterion.benchmark_group(label);
        group.bench_function("fairquote (with worksheet)", |b| {
            b.iter(|| engines.fairquote(black_box(request)))
        });
        group.bench_function("zen", |b| {
            b.iter(|| engines.zen(request, input.deep_clone()))
        });
        group.finish();
    }
    criterion.final_summary();
    ratio(&engines, &liability, "liability");
    ratio(&engines, &income_protection, "income protection");
}
